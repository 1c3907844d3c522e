/*
 * test_config_errors.c: CUnit suite for the config reader's errors
 * (io/io_config.c).  Each error class gets one test that writes a small
 * config into a temporary directory, loads it and asserts SIM_ECONFIG plus
 * a message that names the file, the line (found by a marker string in the
 * config's lines, or "--set section.key" for overrides), the key and a
 * hint of what is allowed (fixture_config.h).  Valid configs are
 * test_config.c's.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../io/io_config.h"
#include "../network/net_desc.h"
#include "fixture_config.h"
#include "../neurons/nrn_source.h"
#include "test_suites.h"

/* ======================================================================
 * Error classes
 * ====================================================================== */

static void test_syntax_error(void)
{
  const char *const bad[] = {SIM_LINES, "this line has no equals sign", POP_E, NULL};
  expect_error("syntax.ini", bad, "no equals", NULL, "syntax error", "key = value",
               "this line has no equals sign");
  const char *const orphan[] = {"seed = 3", SIM_LINES, NULL};
  expect_error("orphan.ini", orphan, "seed = 3", NULL, "'seed' before any section",
               "[simulation]");
  const char *const open_header[] = {SIM_LINES, "[population E", "n = 3", NULL};
  expect_error("open_header.ini", open_header, "[population E", NULL, "syntax error");
}

static void test_unknown_section_type(void)
{
  const char *const lines[] = {SIM_LINES, "[populaton E]", "model = iaf_psc_delta",
                               "n = 10", NULL};
  expect_error("section_type.ini", lines, "[populaton E]", NULL,
               "unknown section type 'populaton'", "[populaton E]",
               "simulation, population, projection, record");
  /* An empty section is seen too (libinih reports no keys for it). */
  const char *const empty[] = {SIM_LINES, "[recrod r]", POP_E, NULL};
  expect_error("section_empty.ini", empty, "[recrod r]", NULL,
               "unknown section type 'recrod'", "population, projection, record");
}

static void test_section_name(void)
{
  const char *const missing[] = {SIM_LINES, "[population]", "model = iaf_psc_delta",
                                 "n = 3", NULL};
  expect_error("name_missing.ini", missing, "[population]", NULL,
               "section name missing", "[population NAME]");
  const char *const two_words[] = {SIM_LINES, "[population E I]", "n = 3", NULL};
  expect_error("name_two.ini", two_words, "[population E I]", NULL, "[population NAME]");
  const char *const dup[] = {SIM_LINES, POP_E, "[projection E]", "source = E", NULL};
  expect_error("name_dup.ini", dup, "[projection E]", NULL,
               "'E' already used by [population E] at line 4", "unique");
  const char *const dup_sim[] = {SIM_LINES, POP_E, " [simulation]", "seed = 2", NULL};
  expect_error("name_dup_sim.ini", dup_sim, " [simulation]", NULL, "given twice",
               "first at line 1");
  const char *const bad_chars[] = {SIM_LINES, "[population E.x]", "n = 3", NULL};
  expect_error("name_chars.ini", bad_chars, "[population E.x]", NULL, "'E.x'",
               "letters, digits");
}

static void test_unknown_key(void)
{
  const char *const dl[] = {"[simulation]", "duration = 100", "delivery = eager", NULL};
  expect_error("delivery.ini", dl, "delivery = eager", "delivery", "auto, direct or deferred",
               "(got 'eager')");
  const char *const sim[] = {"[simulation]", "duration = 100", "resolutoin = 0.1", NULL};
  expect_error("key_sim.ini", sim, "resolutoin", "resolutoin", "unknown key",
               "duration, resolution, seed, output, partition", "(got '0.1')");
  const char *const pop[] = {SIM_LINES, POP_E, "tau = 20", NULL};
  expect_error("key_pop.ini", pop, "tau = 20", "tau", "unknown key", "tau_m",
               "E_L", "refractory_input", "V_m");
  const char *const exp[] = {SIM_LINES, POP_I, "tau_syn = 2", NULL};
  expect_error("key_exp.ini", exp, "tau_syn = 2", "tau_syn", "tau_syn_ex",
               "tau_syn_in", "I_syn_ex");
  const char *const gen[] = {SIM_LINES, POP_NOISE, "V_th = 3", NULL};
  expect_error("key_gen.ini", gen, "V_th = 3", "V_th", "model, n, rate, start, stop");
  const char *const proj[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                              "target = E", "rule = all_to_all", "weight = 1",
                              "delay = 1", "probability = 0.1", NULL};
  expect_error("key_proj.ini", proj, "probability", "probability", "unknown key",
               "indegree", "allow_autapses", "synapse");
  const char *const rec[] = {SIM_LINES, POP_E, "[record r]", "population = E",
                             "kind = spike_recorder", "neuron = all", NULL};
  expect_error("key_rec.ini", rec, "neuron = all", "neuron", "unknown key",
               "population, kind, neurons, variables, interval");
  const char *const dup[] = {SIM_LINES, POP_E, "n = 20", NULL};
  expect_error("key_dup.ini", dup, "n = 20", "n", "given twice", "first at line 6",
               "once per section");
  const char *const syn[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                             "target = E", "rule = all_to_all", "weight = 1",
                             "delay = 1", "synapse = tsodyks_synapse", NULL};
  expect_error("key_syn.ini", syn, "tsodyks_synapse", "synapse",
               "unknown synapse model", "static_synapse", "stdp_synapse", "device",
               "'tsodyks_synapse'");
  /* Keys of one synapse model given to another are named too. */
  const char *const stdp_bad[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                                  "target = E", "rule = all_to_all", "weight = 1",
                                  "delay = 1", "synapse = stdp_synapse", "tau_plus = -3",
                                  "device = ideal", NULL};
  expect_error("key_stdp.ini", stdp_bad, "tau_plus = -3", "tau_plus", "> 0 ms");
  const char *const dev_bad[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                                 "target = E", "rule = all_to_all", "weight = 1",
                                 "delay = 1", "synapse = device", "device = no_such_preset",
                                 NULL};
  expect_error("key_dev.ini", dev_bad, "no_such_preset", "device", "no_such_preset",
               "ecram_li_wo3");
}

static void test_unknown_model(void)
{
  const char *const lines[] = {SIM_LINES, "[population E]", "model = iaf_psc_alpha",
                               "n = 10", NULL};
  expect_error("model.ini", lines, "iaf_psc_alpha", "model", "unknown model",
               "iaf_psc_delta", "iaf_psc_exp", "poisson_generator", "spike_generator",
               "(got 'iaf_psc_alpha')");
}

static void test_bad_numbers(void)
{
  static const struct {
    const char *line, *key, *hint;
  } cases[] = {
      {"duration = 100ms", "duration", "> 0"},   /* trailing junk */
      {"duration = ", "duration", "> 0"},        /* empty */
      {"duration = nan", "duration", "> 0"},
      {"duration = inf", "duration", "> 0"},
      {"duration = -5", "duration", "> 0"},
      {"resolution = 0", "resolution", "> 0"},
      {"seed = -1", "seed", "unsigned 64-bit"},
      {"seed = 18446744073709551616", "seed", "unsigned 64-bit"},
      {"seed = 1.5", "seed", "unsigned 64-bit"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int dur = strncmp(cases[i].line, "duration", 8) == 0;
    const char *const lines[] = {"[simulation]", dur ? cases[i].line : "duration = 100",
                                 dur ? "seed = 1" : cases[i].line, POP_E, NULL};
    char got[96];
    const char *eq = strchr(cases[i].line, '=') + 1;
    while (*eq == ' ')
      eq++;
    snprintf(got, sizeof got, "(got '%s')", eq);
    expect_error("numbers_sim.ini", lines, cases[i].line, cases[i].key, cases[i].hint,
                 got);
  }
  static const char *const n_values[] = {"-5", "0", "2.5", "1e4", "ten", "", "4294967296"};
  for (size_t i = 0; i < sizeof n_values / sizeof n_values[0]; i++) {
    char nline[64], got[64];
    snprintf(nline, sizeof nline, "n = %s", n_values[i]);
    snprintf(got, sizeof got, "(got '%s')", n_values[i]);
    const char *const lines[] = {SIM_LINES, "[population E]", "model = iaf_psc_delta",
                                 nline, NULL};
    expect_error("numbers_n.ini", lines, nline, "n", "integer >= 1", got);
  }
  const char *const param[] = {SIM_LINES, POP_E, "tau_m = 20x", NULL};
  expect_error("numbers_param.ini", param, "tau_m = 20x", "tau_m", "expected a number",
               "(got '20x')");
  const char *const pinf[] = {SIM_LINES, POP_E, "V_th = inf", NULL};
  expect_error("numbers_inf.ini", pinf, "V_th = inf", "V_th", "expected a number");
  const char *const init[] = {SIM_LINES, POP_E, "V_m = uniform(1, x)", NULL};
  expect_error("numbers_init.ini", init, "V_m =", "V_m", "uniform(a, b)",
               "normal(mean, std");
  const char *const rate[] = {SIM_LINES, "[population noise]",
                              "model = poisson_generator", "rate = -3", NULL};
  expect_error("numbers_rate.ini", rate, "rate = -3", "rate", "Hz >= 0");
  const char *const weight[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                                "target = E", "rule = all_to_all", "weight = 0.1.2",
                                "delay = 1", NULL};
  expect_error("numbers_weight.ini", weight, "weight =", "weight", "uniform(a, b)",
               "(got '0.1.2')");
  const char *const uni[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                             "target = E", "rule = all_to_all", "weight = uniform(2, 1)",
                             "delay = 1", NULL};
  expect_error("numbers_uniform.ini", uni, "weight =", "weight", "a < b");
}

static void test_missing_simulation(void)
{
  const char *const lines[] = {POP_E, NULL};
  expect_error("no_sim.ini", lines, NULL, NULL, "missing section [simulation]",
               "duration");
}

static void test_missing_required(void)
{
  const char *const dur[] = {"[simulation]", "seed = 4", POP_E, NULL};
  expect_error("req_duration.ini", dur, "[simulation]", "duration", "required",
               "ms");
  const char *const n[] = {SIM_LINES, "[population E]", "model = iaf_psc_delta", NULL};
  expect_error("req_n.ini", n, "[population E]", "n", "required", "integer >= 1");
  const char *const model[] = {SIM_LINES, "[population E]", "n = 3", NULL};
  expect_error("req_model.ini", model, "[population E]", "model", "required",
               "iaf_psc_delta", "poisson_generator");
  const char *const rate[] = {SIM_LINES, "[population noise]",
                              "model = poisson_generator", NULL};
  expect_error("req_rate.ini", rate, "[population noise]", "rate", "required", "Hz");
  const char *const times[] = {SIM_LINES, "[population sg]", "model = spike_generator",
                               NULL};
  expect_error("req_times.ini", times, "[population sg]", "spike_times", "required",
               "comma-separated");
  static const char *const proj_keys[] = {"source", "target", "rule", "weight", "delay"};
  static const char *const proj_lines[] = {"source = E", "target = E",
                                           "rule = all_to_all", "weight = 1",
                                           "delay = 1"};
  for (int k = 0; k < 5; k++) {
    const char *l[5];
    int m = 0;
    for (int j = 0; j < 5; j++)
      if (j != k)
        l[m++] = proj_lines[j];
    const char *const lines[] = {SIM_LINES, POP_E, "[projection EE]",
                                 l[0], l[1], l[2], l[3], NULL};
    expect_error("req_proj.ini", lines, "[projection EE]", proj_keys[k], "required",
                 "expected");
  }
  const char *const rec[] = {SIM_LINES, POP_E, "[record r]", "population = E", NULL};
  expect_error("req_kind.ini", rec, "[record r]", "kind", "required",
               "spike_recorder, multimeter, weights, devices or energy");
}

static void test_delay(void)
{
  static const struct {
    const char *line, *hint;
  } cases[] = {
      {"delay = -1", ">= resolution 0.1 ms"},
      {"delay = 0", ">= resolution 0.1 ms"},
      {"delay = 0.05", ">= resolution 0.1 ms"},
      {"delay = uniform(0.05, 2)", "a >= resolution 0.1 ms"},
      {"delay = normal(1.5, 0.2)", "min >= resolution 0.1 ms"},
      {"delay = normal(1.5, 0.2, 0.01, 3)", "min >= resolution 0.1 ms"},
      {"delay = soon", ">= resolution 0.1 ms"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *const lines[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                                 "target = E", "rule = all_to_all", "weight = 1",
                                 cases[i].line, NULL};
    expect_error("delay.ini", lines, cases[i].line, "delay", cases[i].hint);
  }
  /* The bound follows the resolution, also when set from the command line. */
  const char *const lines[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                               "target = E", "rule = all_to_all", "weight = 1",
                               "delay = 0.1", NULL};
  const char *const ov[] = {"simulation.resolution=0.5", "simulation.duration=100"};
  cf_expect_error_v("delay_res.ini", lines, ov, 2, "delay = 0.1", NULL, "delay",
                 HINTS(">= resolution 0.5 ms"));
}

static void test_undefined_population(void)
{
  const char *const src[] = {SIM_LINES, POP_E, "[projection EE]", "source = X",
                             "target = E", "rule = all_to_all", "weight = 1",
                             "delay = 1", NULL};
  expect_error("undef_src.ini", src, "source = X", "source", "undefined population",
               "E", "(got 'X')");
  const char *const tgt[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                             "target = Y", "rule = all_to_all", "weight = 1",
                             "delay = 1", NULL};
  expect_error("undef_tgt.ini", tgt, "target = Y", "target", "undefined population",
               "(got 'Y')");
  const char *const rec[] = {SIM_LINES, POP_E, "[record r]", "population = Z",
                             "kind = spike_recorder", NULL};
  expect_error("undef_rec.ini", rec, "population = Z", "population",
               "undefined population", "(got 'Z')");
  /* A name that exists but is not a population. */
  const char *const proj[] = {SIM_LINES, POP_E, "[record r]", "population = EE",
                              "kind = spike_recorder", "[projection EE]", "source = E",
                              "target = E", "rule = all_to_all", "weight = 1",
                              "delay = 1", NULL};
  expect_error("undef_kind.ini", proj, "population = EE", "population",
               "[projection EE]", "not a population", "one of E");
  /* Sections may come in any order: a later population resolves. */
  const char *const later[] = {SIM_LINES, "[projection EE]", "source = E",
                               "target = E", "rule = all_to_all", "weight = 1",
                               "delay = 1", POP_E, NULL};
  net_desc *d = cf_load_ok("later.ini", later, NULL, 0);
  CU_ASSERT(d && d->nprojs == 1 && d->projs[0].src == 0);
  net_desc_destroy(d);
}

static void test_rule_params(void)
{
#define PROJ(...)                                                             \
  {SIM_LINES, POP_E, POP_I, "[projection P]", "source = E", "weight = 1",     \
   "delay = 1", __VA_ARGS__, NULL}
  const char *const no_k[] = PROJ("target = E", "rule = fixed_indegree");
  expect_error("rule_nok.ini", no_k, "[projection P]", "indegree",
               "required by rule fixed_indegree", "integer >= 1");
  const char *const zero_k[] = PROJ("target = E", "rule = fixed_indegree",
                                    "indegree = 0");
  expect_error("rule_zero.ini", zero_k, "indegree = 0", "indegree", "integer >= 1");
  const char *const big_k[] = PROJ("target = I", "rule = fixed_indegree",
                                   "indegree = 11", "allow_multapses = false");
  expect_error("rule_big.ini", big_k, "indegree = 11", "indegree", "<= 10",
               "without multapses");
  const char *const self_k[] = PROJ("target = E", "rule = fixed_indegree",
                                    "indegree = 10", "allow_multapses = false",
                                    "allow_autapses = false");
  expect_error("rule_self.ini", self_k, "indegree = 10", "indegree", "<= 9",
               "minus the neuron itself");
  const char *const out_k[] = PROJ("target = I", "rule = fixed_outdegree",
                                   "outdegree = 5", "allow_multapses = false");
  expect_error("rule_out.ini", out_k, "outdegree = 5", "outdegree", "<= 4");
  const char *const no_out[] = PROJ("target = I", "rule = fixed_outdegree");
  expect_error("rule_noout.ini", no_out, "[projection P]", "outdegree", "required");
  const char *const p_big[] = PROJ("target = I", "rule = pairwise_bernoulli",
                                   "p = 1.5");
  expect_error("rule_p.ini", p_big, "p = 1.5", "p", "probability in [0, 1]",
               "(got '1.5')");
  const char *const p_none[] = PROJ("target = I", "rule = pairwise_bernoulli");
  expect_error("rule_pnone.ini", p_none, "[projection P]", "p", "required",
               "[0, 1]");
  const char *const wrong[] = PROJ("target = I", "rule = fixed_indegree",
                                   "indegree = 3", "p = 0.1");
  expect_error("rule_wrong.ini", wrong, "p = 0.1", "p",
               "not a parameter of rule fixed_indegree", "indegree only");
  const char *const o2o[] = PROJ("target = I", "rule = one_to_one");
  expect_error("rule_o2o.ini", o2o, "rule = one_to_one", "rule", "equal size",
               "E (10) == I (4)");
  const char *const unknown[] = PROJ("target = I", "rule = random");
  expect_error("rule_unknown.ini", unknown, "rule = random", "rule", "unknown rule",
               "pairwise_bernoulli", "(got 'random')");
  const char *const boolean[] = PROJ("target = I", "rule = all_to_all",
                                     "allow_autapses = maybe");
  expect_error("rule_bool.ini", boolean, "maybe", "allow_autapses", "true or false");
  /* Limits that hold are accepted: K = n - 1 distinct non-self sources. */
  const char *const fine[] = PROJ("target = E", "rule = fixed_indegree",
                                  "indegree = 9", "allow_multapses = false",
                                  "allow_autapses = false");
  net_desc *d = cf_load_ok("rule_fine.ini", fine, NULL, 0);
  CU_ASSERT(d && d->projs[0].degree == 9 && !d->projs[0].autapses &&
            !d->projs[0].multapses && d->projs[0].rule == &net_rule_fixed_indegree);
  net_desc_destroy(d);
#undef PROJ
}

/* fixed_total_number's N and the redraw(normal(...), min, max) syntax. */
static void test_total_and_redraw(void)
{
#define PROJ(...)                                                             \
  {SIM_LINES, POP_E, POP_I, "[projection P]", "source = E", "weight = 1",     \
   "delay = 1", __VA_ARGS__, NULL}
  const char *const no_n[] = PROJ("target = I", "rule = fixed_total_number");
  expect_error("total_non.ini", no_n, "[projection P]", "N",
               "required by rule fixed_total_number", "integer >= 0");
  const char *const bad_n[] = PROJ("target = I", "rule = fixed_total_number", "N = -3");
  expect_error("total_bad.ini", bad_n, "N = -3", "N", "integer >= 0", "(got '-3')");
  const char *const multi[] = PROJ("target = I", "rule = fixed_total_number", "N = 30",
                                   "allow_multapses = false");
  expect_error("total_multi.ini", multi, "allow_multapses = false", "allow_multapses",
               "allow_multapses = true", "not supported");
  const char *const wrong[] = PROJ("target = I", "rule = fixed_indegree", "indegree = 3",
                                   "N = 10");
  expect_error("total_wrong.ini", wrong, "N = 10", "N",
               "not a parameter of rule fixed_indegree");
#define RPROJ(w, d)                                                                   \
  {SIM_LINES, POP_E, POP_I, "[projection P]", "source = E", "target = I",             \
   "rule = fixed_total_number", "N = 20", w, d, NULL}
  const char *const order[] = RPROJ("weight = redraw(normal(1, 0.1), 2, 1)", "delay = 1");
  expect_error("redraw_order.ini", order, "weight =", "weight", "redraw(normal(mean, std)",
               "min < max");
  const char *const tail[] = RPROJ("weight = redraw(normal(0, 1), 6, inf)", "delay = 1");
  expect_error("redraw_tail.ini", tail, "weight =", "weight", "1/1000 of the mass",
               "(got 'redraw(normal(0, 1), 6, inf)')");
  const char *const junk[] = RPROJ("weight = redraw(normal(1, 0.1), 0, inf) x", "delay = 1");
  expect_error("redraw_junk.ini", junk, "weight =", "weight", "redraw(normal(mean, std)");
  const char *const args[] = RPROJ("weight = redraw(normal(1), 0, inf)", "delay = 1");
  expect_error("redraw_args.ini", args, "weight =", "weight", "redraw(normal(mean, std)");
  const char *const dlo[] =
      RPROJ("weight = 1", "delay = redraw(normal(1.5, 0.75), 0.01, inf)");
  expect_error("redraw_delay.ini", dlo, "delay =", "delay", "half the resolution, 0.05 ms",
               "(got 'redraw(normal(1.5, 0.75), 0.01, inf)')");
  /* Valid forms load: spaces, -inf, a redrawn initial V_m. */
  const char *const ok[] = {SIM_LINES, "[population E]", "model = iaf_psc_exp", "n = 10",
                            "V_m = redraw(normal(-60, 5), -inf, -50)", "[projection P]",
                            "source = E", "target = E", "rule = fixed_total_number",
                            "N = 0", "weight = redraw( normal( -3 , 0.3 ) , -inf , 0 )",
                            "delay = redraw(normal(1.5, 0.75), 0.05, inf)", NULL};
  net_desc *d = cf_load_ok("redraw_ok.ini", ok, NULL, 0);
  if (d) {
    const net_proj_desc *pr = &d->projs[0];
    CU_ASSERT(pr->total == 0 && pr->rule == &net_rule_fixed_total_number);
    CU_ASSERT(pr->weight.kind == NET_DIST_NORMAL && pr->weight.redraw &&
              pr->weight.a == -3 && pr->weight.b == 0.3 && isinf(pr->weight.lo) &&
              pr->weight.lo < 0 && pr->weight.hi == 0);
    CU_ASSERT(pr->delay_ms.redraw && pr->delay_ms.lo == 0.05 && isinf(pr->delay_ms.hi));
    CU_ASSERT(d->pops[0].init[0].dist.redraw && d->pops[0].init[0].dist.hi == -50);
    net_desc_destroy(d);
  }
#undef RPROJ
#undef PROJ
}

static void test_generator_target(void)
{
  const char *const lines[] = {SIM_LINES, POP_E, POP_NOISE, "[projection P]",
                               "source = E", "target = noise", "rule = all_to_all",
                               "weight = 1", "delay = 1", NULL};
  expect_error("gen_target.ini", lines, "target = noise", "target",
               "expected a neuron population", "poisson_generator");
  const char *const sg[] = {SIM_LINES, POP_E, "[population sg]",
                            "model = spike_generator", "spike_times = 1, 2",
                            "[projection P]", "source = E", "target = sg",
                            "rule = all_to_all", "weight = 1", "delay = 1", NULL};
  expect_error("gen_target_sg.ini", sg, "target = sg", "target",
               "expected a neuron population", "spike_generator");
}

static void test_multimeter_variables(void)
{
  const char *const unknown[] = {SIM_LINES, POP_I, "[record m]", "population = I",
                                 "kind = multimeter", "variables = V_m, g_ex", NULL};
  expect_error("mm_var.ini", unknown, "variables", "variables", "unknown variable 'g_ex'",
               "V_m, I_syn_ex, I_syn_in");
  const char *const none[] = {SIM_LINES, POP_I, "[record m]", "population = I",
                              "kind = multimeter", NULL};
  expect_error("mm_none.ini", none, "[record m]", "variables", "required",
               "V_m, I_syn_ex, I_syn_in");
  const char *const twice[] = {SIM_LINES, POP_I, "[record m]", "population = I",
                               "kind = multimeter", "variables = V_m, V_m", NULL};
  expect_error("mm_twice.ini", twice, "variables", "variables", "repeated",
               "distinct");
  const char *const spikes[] = {SIM_LINES, POP_I, "[record m]", "population = I",
                                "kind = spike_recorder", "variables = V_m", NULL};
  expect_error("mm_spikes.ini", spikes, "variables", "variables", "only for kind = multimeter");
  const char *const gen[] = {SIM_LINES, POP_NOISE, "[record m]", "population = noise",
                             "kind = spike_recorder", NULL};
  expect_error("mm_gen.ini", gen, "population = noise", "population",
               "poisson_generator", "expected a neuron population");
  const char *const kind[] = {SIM_LINES, POP_I, "[record m]", "population = I",
                              "kind = voltmeter", NULL};
  expect_error("mm_kind.ini", kind, "voltmeter", "kind",
               "spike_recorder, multimeter, weights, devices or energy");
}

static void test_interval(void)
{
  const char *const lines[] = {SIM_LINES, POP_I, "[record m]", "population = I",
                               "kind = multimeter", "variables = V_m",
                               "interval = 0.25", NULL};
  expect_error("interval.ini", lines, "interval = 0.25", "interval",
               "whole multiple of the resolution 0.1 ms", "(got '0.25')");
  const char *const small[] = {SIM_LINES, POP_I, "[record m]", "population = I",
                               "kind = multimeter", "variables = V_m",
                               "interval = 0.05", NULL};
  expect_error("interval_small.ini", small, "interval = 0.05", "interval",
               ">= resolution 0.1 ms");
  /* The 1 ms default must fit the resolution as well. */
  const char *const deflt[] = {"[simulation]", "duration = 90", "resolution = 0.3",
                               POP_I, "t_ref = 0.6", "[record m]", "population = I",
                               "kind = multimeter", "variables = V_m", NULL};
  expect_error("interval_default.ini", deflt, "[record m]", "interval",
               "whole multiple of the resolution 0.3 ms", "the default");
}

static void test_set_errors(void)
{
  const char *const lines[] = {SIM_LINES, POP_E, NULL};
  const char *const no_eq[] = {"E.n"};
  expect_error_set("set.ini", lines, no_eq, "--set 'E.n'", NULL,
                   "expected section.key=value");
  const char *const no_dot[] = {"n=5"};
  expect_error_set("set.ini", lines, no_dot, "--set 'n=5'", NULL,
                   "expected section.key=value");
  const char *const empty_sec[] = {".n=5"};
  expect_error_set("set.ini", lines, empty_sec, "--set '.n=5'", NULL,
                   "section.key=value");
  const char *const unknown[] = {"Q.n=5"};
  expect_error_set("set.ini", lines, unknown, "--set 'Q.n=5'", NULL,
                   "unknown section 'Q'", "simulation, E");
  /* A bad value given by --set names the override instead of a line. */
  const char *const bad_value[] = {"E.n=0"};
  expect_error_set("set.ini", lines, bad_value, "set.ini:--set E.n:", "n",
                   "[population E]", "integer >= 1", "(got '0')");
  const char *const bad_key[] = {"simulation.speed=2"};
  expect_error_set("set.ini", lines, bad_key, "--set simulation.speed", "speed",
                   "unknown key", "duration, resolution");
}

static void test_duration_ticks(void)
{
  const char *const lines[] = {"[simulation]", "duration = 100.05", "resolution = 0.1",
                               POP_E, NULL};
  expect_error("ticks.ini", lines, "duration = 100.05", "duration",
               "whole number of ticks of resolution 0.1 ms", "(got '100.05')");
  /* 1000 / 0.1 is not exactly 10000 in binary: the tolerance accepts it. */
  const char *const fine[] = {"[simulation]", "duration = 1000", "resolution = 0.1",
                              POP_E, NULL};
  net_desc *d = cf_load_ok("ticks_ok.ini", fine, NULL, 0);
  CU_ASSERT(d && d->sim.duration_ms == 1000);
  net_desc_destroy(d);
}

static void test_model_param_errors(void)
{
  /* param_set refuses the value: the model's reason, prefixed with the place. */
  const char *const bad[] = {SIM_LINES, POP_E, "tau_m = -5", NULL};
  expect_error("param_set.ini", bad, "tau_m = -5", "tau_m", "> 0", "(got '-5')");
  /* param_finalize refuses the combination: the section is named. */
  const char *const fin[] = {SIM_LINES, POP_E, "V_th = -60", "V_reset = -50", NULL};
  expect_error("param_fin.ini", fin, "[population E]", NULL, "[population E]",
               "iaf_psc_delta", "V_reset");
}

static void test_spike_generator(void)
{
  const char *const down[] = {SIM_LINES, "[population sg]", "model = spike_generator",
                              "spike_times = 1.0, 3.0, 2.0", NULL};
  expect_error("sg_down.ini", down, "spike_times", "spike_times",
               "time 3 ('2.0') is smaller than the one before", "ascending");
  const char *const early[] = {SIM_LINES, "[population sg]", "model = spike_generator",
                               "spike_times = 0.05, 3.0", NULL};
  expect_error("sg_early.ini", early, "spike_times", "spike_times",
               "below the resolution", ">= resolution 0.1 ms");
  const char *const junk[] = {SIM_LINES, "[population sg]", "model = spike_generator",
                              "spike_times = 1.0,, 3.0", NULL};
  expect_error("sg_junk.ini", junk, "spike_times", "spike_times", "not a number",
               "comma-separated");
  const char *const ok[] = {SIM_LINES, "[population sg]", "model = spike_generator",
                            "n = 2", "spike_times = 0.1, 10.0,20.5 , 20.5, 30", NULL};
  net_desc *d = cf_load_ok("sg_ok.ini", ok, NULL, 0);
  CU_ASSERT_FATAL(d != NULL);
  const net_pop_desc *p = &d->pops[0];
  CU_ASSERT_PTR_EQUAL(p->source, &nrn_spike_generator_ops);
  CU_ASSERT_EQUAL(p->n, 2);
  CU_ASSERT_EQUAL(((const nrn_spike_gen_param *)p->param)->ntimes, 5);
  CU_ASSERT_DOUBLE_EQUAL(((const nrn_spike_gen_param *)p->param)->times_ms[0], 0.1, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(((const nrn_spike_gen_param *)p->param)->times_ms[2], 20.5, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(((const nrn_spike_gen_param *)p->param)->times_ms[4], 30.0, 1e-12);
  net_desc_destroy(d);
}

static void test_neuron_ranges(void)
{
  static const char *const bad[] = {"5:3", "0:11", "3:3", "-1:2", "0", "11", "a:b", "2:"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char line[64], got[64];
    snprintf(line, sizeof line, "neurons = %s", bad[i]);
    snprintf(got, sizeof got, "(got '%s')", bad[i]);
    const char *const lines[] = {SIM_LINES, POP_E, "[record r]", "population = E",
                                 "kind = spike_recorder", line, NULL};
    expect_error("ranges.ini", lines, "neurons =", "neurons", "0 <= a < b <= 10", got);
  }
  const char *const ok[] = {SIM_LINES, POP_E, "[record a]", "population = E",
                            "kind = spike_recorder", "neurons = 2:5", "[record b]",
                            "population = E", "kind = spike_recorder", "neurons = 4",
                            "[record c]", "population = E", "kind = spike_recorder",
                            "neurons = 0:10", NULL};
  net_desc *d = cf_load_ok("ranges_ok.ini", ok, NULL, 0);
  CU_ASSERT_FATAL(d != NULL);
  CU_ASSERT(d->recs[0].first == 2 && d->recs[0].count == 3);
  CU_ASSERT(d->recs[1].first == 0 && d->recs[1].count == 4);
  CU_ASSERT(d->recs[2].first == 0 && d->recs[2].count == 10);
  net_desc_destroy(d);
}

/* weights, devices and energy records: projection, interval, sample. */
#define PROJ_EE "[projection EE]", "source = E", "target = E", "rule = all_to_all", \
                "weight = 1", "delay = 1"
#define PROJ_DEV "[projection D]", "source = E", "target = E", "rule = all_to_all", \
                 "weight = 0.5", "delay = 1", "synapse = device", "device = ideal", \
                 "plasticity = stdp"

static void test_record_kinds(void)
{
  const char *const noproj[] = {SIM_LINES, POP_E, PROJ_EE, "[record w]", "kind = weights",
                                "interval = 10", NULL};
  expect_error("w_noproj.ini", noproj, "[record w]", "projection", "required",
               "kind = weights", "projection name");
  const char *const undef[] = {SIM_LINES, POP_E, PROJ_EE, "[record w]", "kind = weights",
                               "projection = XX", "interval = 10", NULL};
  expect_error("w_undef.ini", undef, "projection = XX", "projection",
               "undefined projection", "EE", "(got 'XX')");
  const char *const pop[] = {SIM_LINES, POP_E, PROJ_EE, "[record w]", "kind = weights",
                             "projection = E", "interval = 10", NULL};
  expect_error("w_pop.ini", pop, "projection = E", "projection", "[population E]",
               "not a projection", "one of EE");
  const char *const noint[] = {SIM_LINES, POP_E, PROJ_EE, "[record w]", "kind = weights",
                               "projection = EE", NULL};
  expect_error("w_noint.ini", noint, "[record w]", "interval", "required", "> 0");
  static const char *const bad_int[] = {"0", "-5", "0.25", "abc", "nan"};
  for (size_t i = 0; i < sizeof bad_int / sizeof bad_int[0]; i++) {
    char line[64], got[64];
    snprintf(line, sizeof line, "interval = %s", bad_int[i]);
    snprintf(got, sizeof got, "(got '%s')", bad_int[i]);
    const char *const lines[] = {SIM_LINES, POP_E, PROJ_EE, "[record w]", "kind = weights",
                                 "projection = EE", line, NULL};
    expect_error("w_int.ini", lines, line, "interval", "snapshot interval", "> 0",
                 "whole multiple of the resolution 0.1 ms", got);
  }
  static const char *const bad_sample[] = {"0", "1.5", "-0.1", "x", "inf"};
  for (size_t i = 0; i < sizeof bad_sample / sizeof bad_sample[0]; i++) {
    char line[64], got[64];
    snprintf(line, sizeof line, "sample = %s", bad_sample[i]);
    snprintf(got, sizeof got, "(got '%s')", bad_sample[i]);
    const char *const lines[] = {SIM_LINES, POP_E, PROJ_EE, "[record w]", "kind = weights",
                                 "projection = EE", "interval = 10", line, NULL};
    expect_error("w_sample.ini", lines, line, "sample", "(0, 1]", got);
  }
  const char *const wpop[] = {SIM_LINES, POP_E, PROJ_EE, "[record w]", "kind = weights",
                              "projection = EE", "interval = 10", "population = E", NULL};
  expect_error("w_popkey.ini", wpop, "population = E", "population",
               "only for kind = spike_recorder or multimeter",
               "kind, projection, interval, sample");
  const char *const sproj[] = {SIM_LINES, POP_E, PROJ_EE, "[record s]", "population = E",
                               "kind = spike_recorder", "projection = EE", NULL};
  expect_error("s_proj.ini", sproj, "projection = EE", "projection",
               "only for kind = weights, devices or energy");
  /* devices: plastic device synapses only, no interval */
  const char *const dstatic[] = {SIM_LINES, POP_E, PROJ_EE, "[record d]", "kind = devices",
                                 "projection = EE", NULL};
  expect_error("d_static.ini", dstatic, "projection = EE", "projection",
               "plastic device synapses", "static_synapse");
  const char *const dint[] = {SIM_LINES, POP_E, PROJ_DEV, "[record d]", "kind = devices",
                              "projection = D", "interval = 5", NULL};
  expect_error("d_int.ini", dint, "interval = 5", "interval", "not for kind = devices",
               "kind, projection");
  /* energy: no projection, interval >= 0, one per run */
  const char *const eproj[] = {SIM_LINES, POP_E, PROJ_EE, "[record e]", "kind = energy",
                               "projection = EE", NULL};
  expect_error("e_proj.ini", eproj, "projection = EE", "projection",
               "not for kind = energy", "kind, interval");
  const char *const eint[] = {SIM_LINES, POP_E, "[record e]", "kind = energy",
                              "interval = -1", NULL};
  expect_error("e_int.ini", eint, "interval = -1", "interval", ">= 0",
               "whole multiple of the resolution", "(got '-1')");
  const char *const two[] = {SIM_LINES, POP_E, "[record e1]", "kind = energy",
                             "[record e2]", "kind = energy", NULL};
  expect_error("e_two.ini", two, "[record e2]", "kind", "at most one", "[record e1]");
  /* and what is valid */
  const char *const ok[] = {SIM_LINES, POP_E, "[population F]", "model = iaf_psc_delta",
                            "n = 3", PROJ_EE, PROJ_DEV, "[projection EF]", "source = E",
                            "target = F", "rule = all_to_all", "weight = 1", "delay = 1",
                            "[record w]", "kind = weights", "projection = EF",
                            "interval = 2.5", "sample = 0.25", "[record d]",
                            "kind = devices", "projection = D", "[record e]",
                            "kind = energy", "[record w1]", "kind = weights",
                            "projection = EE", "interval = 1", NULL};
  net_desc *d = cf_load_ok("kinds_ok.ini", ok, NULL, 0);
  CU_ASSERT_FATAL(d != NULL);
  CU_ASSERT(d->recs[0].kind == NET_REC_WEIGHTS && d->recs[0].proj == 2 &&
            d->recs[0].pop == 1 && d->recs[0].interval_ms == 2.5 &&
            d->recs[0].sample == 0.25 && d->recs[0].count == 0);
  CU_ASSERT(d->recs[1].kind == NET_REC_DEVICES && d->recs[1].proj == 1 &&
            d->recs[1].pop == 0 && d->recs[1].interval_ms == 0);
  CU_ASSERT(d->recs[2].kind == NET_REC_ENERGY && d->recs[2].interval_ms == 0 &&
            d->recs[2].count == 0);
  CU_ASSERT(d->recs[3].sample == 1.0 && d->recs[3].proj == 0);
  net_desc_destroy(d);
}

static void test_io_error(void)
{
  char path[128];
  snprintf(path, sizeof path, "%s/does_not_exist.ini", cf_tmpdir);
  net_desc *d = (net_desc *)1;
  CU_ASSERT_EQUAL(io_config_load(path, NULL, 0, &d), SIM_EIO);
  CU_ASSERT_PTR_NULL(d);
  CU_ASSERT(cf_msg_has(path));
  CU_ASSERT_EQUAL(io_config_load(cf_tmpdir, NULL, 0, &d), SIM_EIO); /* a directory */
  CU_ASSERT_PTR_NULL(d);
}

/* ======================================================================
 * Registration
 * ====================================================================== */

int test_config_errors_register(void)
{
  CU_pSuite s = CU_add_suite("config_errors", cf_suite_init, cf_suite_clean);
  if (!s)
    return -1;
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {
      {"syntax error", test_syntax_error},
      {"unknown section type", test_unknown_section_type},
      {"section name missing or duplicated", test_section_name},
      {"unknown key", test_unknown_key},
      {"unknown model", test_unknown_model},
      {"bad numbers", test_bad_numbers},
      {"missing [simulation]", test_missing_simulation},
      {"missing required key", test_missing_required},
      {"delay below resolution", test_delay},
      {"undefined population", test_undefined_population},
      {"rule parameters", test_rule_params},
      {"fixed_total_number and redraw", test_total_and_redraw},
      {"generator as target", test_generator_target},
      {"multimeter variables", test_multimeter_variables},
      {"multimeter interval", test_interval},
      {"--set errors", test_set_errors},
      {"duration in whole ticks", test_duration_ticks},
      {"model parameter errors", test_model_param_errors},
      {"spike_generator times", test_spike_generator},
      {"record neuron ranges", test_neuron_ranges},
      {"weights, devices and energy records", test_record_kinds},
      {"unreadable file", test_io_error},
  };
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
    if (!CU_add_test(s, tests[i].name, tests[i].fn))
      return -1;
  return 0;
}
