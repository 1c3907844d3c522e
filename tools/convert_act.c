/*
 * convert_act.c: `memspike convert --activation vo2[:PRESET]`: the
 * crossbar ANN between whose layers the columns' outputs are either
 * digitized by ADCs and passed through a digital ReLU (the ADC path), or
 * fed to analog activation neurons (network/net_act.h; the VO2 Mott
 * neuron of Oh et al. 2021 by default) whose voltages drive the next array.
 * Accuracy of both on the test images, on the weights the network holds
 * (device pairs after --device), and the crossbar energy per inference of
 * both (network/net_energy.c).
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"

#include "../core/sim_error.h"
#include "../io/io_act.h"
#include "../io/io_json.h"
#include "../mpi/comm.h"

int conv_activation_arg(const char *v, conv_args *a)
{
  if (strcmp(v, "vo2") && strncmp(v, "vo2:", 4)) {
    fprintf(stderr, "memspike: convert: --activation: expected vo2 or vo2:PRESET (an analog "
                    "activation, compared with the ADC path; kinds: %s), got '%s'\n",
            net_act_list(), v);
    return 2;
  }
  a->activation = v;
  return 0;
}

/* Test accuracy of the ANN s computes now, images split over ranks. */
static double ann_accuracy(cnn_snn *s, const conv_inputs *in, uint32_t n)
{
  const io_idx *img = in->test_img;
  const uint32_t isz = img->rows * img->cols;
  uint64_t ok = 0;
  for (uint32_t i = (uint32_t)comm_rank(); i < n; i += (uint32_t)comm_size()) {
    cnn_snn_select(s, i);
    ok += cnn_ann_predict(s, img->data + (size_t)i * isz, NULL) == in->test_lab->data[i];
  }
  return (double)comm_sum_u64(ok) / n;
}

/* The crossbar ANN's energy per inference with s's activation. */
static void crossbar_energy(const conv_args *a, const conv_inputs *in, const cnn_snn *s,
                            const conv_result *r, net_energy *tot, double *count)
{
  net_energy_param p = *in->energy;
  if (a->nreplicate)
    p.crossbar_replication = a->replicate[0];
  net_layer_stats l[CONV_MAX_LAYERS];
  uint32_t n = cnn_layer_stats(s, &r->ideal.stats, r->images, r->energy_steps, -1, l,
                               CONV_MAX_LAYERS);
  memset(tot, 0, sizeof *tot);
  *count = 0;
  for (uint32_t q = 0; q < n; q++) {
    net_energy e;
    net_energy_layer(&p, &l[q], NET_IMPL_ANN_CROSSBAR, &e);
    net_energy_add(tot, &e);
    if (l[q].analog_out)
      *count += (double)l[q].patches * (double)l[q].cols;
  }
}

int conv_activation_load(const conv_args *a, conv_inputs *in)
{
  const char *preset = !strncmp(a->activation, "vo2:", 4) ? a->activation + 4 : "vo2_oh2021";
  return io_act_find(preset, &in->act);
}

int conv_activation(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r)
{
  net_act_param adc, mott = in->act;
  int rc;
  mott.seed = 13;
  /* The ADC codes are the next layer's inputs: input_bits of the energy
     constants, full scale the normalization scale (1). */
  net_act_adc(&adc, (uint32_t)in->energy->crossbar_input_bits, 1.0);
  snprintf(r->act_name, sizeof r->act_name, "%s", mott.name);
  r->act_relu_acc = ann_accuracy(s, in, r->images);
  const net_act_param *path[2] = {&adc, &mott};
  for (int k = 0; k < 2; k++) {
    if ((rc = cnn_set_activation(s, path[k])))
      return rc;
    r->act_acc[k] = ann_accuracy(s, in, r->images);
    double count;
    crossbar_energy(a, in, s, r, &r->act_total[k], &count);
    if (k)
      r->act_count = count;
  }
  r->act_e_pj = mott.e_act_pj;
  cnn_set_activation(s, NULL);
  r->act_done = 1;
  return 0;
}

void conv_activation_report(FILE *out, const conv_result *r)
{
  const net_energy *e = r->act_total;
  fprintf(out, "\n  crossbar activation between layers (%u test images):\n", r->images);
  fprintf(out, "    %-26s %9s %12s %12s %12s %12s\n", "path", "accuracy", "energy_nJ",
          "convert_nJ", "neurons_nJ", "latency_us");
  fprintf(out, "    %-26s %8.2f %%\n", "float ReLU (same weights)", 100 * r->act_relu_acc);
  for (int k = 0; k < 2; k++)
    fprintf(out, "    %-26s %8.2f %% %12.3f %12.3f %12.3f %12.3f\n",
            k ? r->act_name : "ADC + digital ReLU", 100 * r->act_acc[k], e[k].total_pj / 1e3,
            e[k].convert_pj / 1e3, e[k].neuron_pj / 1e3, e[k].latency_ns / 1e3);
  fprintf(out, "    %.0f activations per inference x %g pJ; energy ratio Mott / ADC %.3f\n",
          r->act_count, r->act_e_pj, e[0].total_pj > 0 ? e[1].total_pj / e[0].total_pj : 0);
}

static io_json *path_json(const char *name, double acc, const net_energy *e)
{
  io_json *o = io_json_object();
  io_json_set_str(o, "path", name);
  io_json_set_num(o, "accuracy", acc);
  io_json_set_num(o, "energy_pj", e->total_pj);
  io_json_set_num(o, "compute_pj", e->compute_pj);
  io_json_set_num(o, "convert_pj", e->convert_pj);
  io_json_set_num(o, "memory_pj", e->memory_pj);
  io_json_set_num(o, "neuron_pj", e->neuron_pj);
  io_json_set_num(o, "latency_ns", e->latency_ns);
  return o;
}

void conv_activation_json(io_json *doc, const conv_result *r)
{
  if (!r->act_done)
    return;
  io_json *o = io_json_object();
  io_json_set_num(o, "float_relu_accuracy", r->act_relu_acc);
  io_json_set(o, "adc", path_json("adc", r->act_acc[0], &r->act_total[0]));
  io_json_set(o, "analog", path_json(r->act_name, r->act_acc[1], &r->act_total[1]));
  io_json_set_num(o, "activations", r->act_count);
  io_json_set_num(o, "e_act_pj", r->act_e_pj);
  io_json_set(doc, "activation", o);
}
