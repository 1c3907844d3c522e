/*
 * syn_store_ckpt.c: checkpoints of device and plastic synapses
 * (core/sim_ckpt.h, docs/checkpoint-format.md): one "proj" record per
 * projection and rank with the per-synapse state keyed by synapse key,
 * the STDP pre traces keyed by source gid, the post histories keyed by
 * target gid, and the rank's counters.  The stuck marks and drift
 * exponents are drawn from the synapse keys at build time and are not
 * saved.
 */
#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_net.h"
#include "syn_store.h"

/* STDP state of one source (the same on every rank that holds synapses
   from it) and of one target. */
typedef struct pre_ent {
  uint32_t gid, pad;
  int64_t last;
  double kplus;
} pre_ent;

typedef struct post_ent {
  uint32_t gid, pad;
  syn_post_hist h;
} post_ent;

void syn_store_save(const syn_store *st, const sim_net *net, uint32_t proj,
                    const sim_ckpt_writer *w)
{
  const sim_proj *pr = &net->projs[proj];
  const sim_syn_table *tab = pr->syn;
  const uint64_t nd = st->nsyn * st->ndev;
  sim_ckpt_key *keys = sim_ckpt_keys(net, proj);
  sim_ckpt_rec(w, "proj", 9);
  sim_ckpt_u64(w, proj);
  sim_ckpt_bin(w, keys, st->nsyn * sizeof *keys);
  sim_ckpt_bin(w, st->w, st->w ? st->nsyn * sizeof *st->w : 0);
  sim_ckpt_bin(w, st->a, st->a ? nd * sizeof *st->a : 0);
  sim_ckpt_bin(w, st->t_prog, st->t_prog ? nd * sizeof *st->t_prog : 0);
  sim_free(keys);
  pre_ent *pre = NULL;
  post_ent *post = NULL;
  size_t npre = 0, npost = 0;
  if (st->pre_last) {
    pre = sim_malloc((size_t)tab->src_n * sizeof *pre + 1, "checkpoint STDP");
    for (uint32_t r = 0; r < tab->nrows; r++)
      if (tab->off[r + 1] > tab->off[r]) {
        const uint32_t s = sim_syn_row_source(tab, r);
        pre[npre++] = (pre_ent){st->src_first + s, 0, st->pre_last[s], st->kplus[s]};
      }
    const sim_pop *tp = &net->pops[pr->tgt];
    post = sim_malloc((size_t)tp->nlocal * sizeof *post + 1, "checkpoint STDP");
    for (uint32_t j = 0; j < tp->nlocal; j++) {
      memset(&post[npost], 0, sizeof *post);
      post[npost].gid = tp->gid[j];
      post[npost++].h = st->post[j];
    }
  }
  sim_ckpt_bin(w, pre, npre * sizeof *pre);
  sim_ckpt_bin(w, post, npost * sizeof *post);
  sim_ckpt_f64(w, st->epoch_s);
  sim_ckpt_bin(w, &st->c, sizeof st->c);
  sim_free(pre);
  sim_free(post);
}

int syn_store_load(syn_store *st, const sim_net *net, uint32_t proj, const sim_ckpt_load *l)
{
  sim_ckpt_reader *r = l->r;
  const sim_proj *pr = &net->projs[proj];
  const sim_syn_table *tab = pr->syn;
  const void *kp, *wp, *ap, *tp, *prep, *postp, *cp;
  size_t nk, nw, na, nt, npre, npost, nc;
  double epoch;
  int rc = sim_ckpt_get_array(r, "keys", sizeof(sim_ckpt_key), &kp, &nk);
  if (!rc)
    rc = sim_ckpt_get_array(r, "w", sizeof(double), &wp, &nw);
  if (!rc)
    rc = sim_ckpt_get_array(r, "a", sizeof(float), &ap, &na);
  if (!rc)
    rc = sim_ckpt_get_array(r, "t_prog", sizeof(double), &tp, &nt);
  if (!rc)
    rc = sim_ckpt_get_array(r, "pre", sizeof(pre_ent), &prep, &npre);
  if (!rc)
    rc = sim_ckpt_get_array(r, "post", sizeof(post_ent), &postp, &npost);
  if (!rc)
    rc = sim_ckpt_get_f64(r, "epoch", &epoch);
  if (!rc)
    rc = sim_ckpt_get_bin(r, "counters", &cp, &nc);
  if (rc)
    return rc;
  const uint32_t nd = st->ndev;
  if (nw != (st->w ? nk : 0) || na != (st->a ? nk * nd : 0) ||
      nt != (st->t_prog ? nk * nd : 0) || nc != sizeof st->c ||
      (npre || npost) != (st->pre_last != NULL && nk > 0))
    return sim_ckpt_bad(r, "synapse state of another synapse or device kind");
  if (nk && st->a && syn_retention_relaxes(st->spec->dev.retention)) {
    if (st->ckpt_epoch_set && epoch != st->epoch_s)
      return sim_ckpt_bad(r, "relaxing devices rebased at different times on different "
                             "ranks: resume on the rank count of the checkpoint");
    st->epoch_s = epoch;
    st->ckpt_epoch_set = 1;
  }
  for (size_t q = 0; q < nk; q++) {
    sim_ckpt_key key;
    uint64_t k;
    memcpy(&key, (const char *)kp + q * sizeof key, sizeof key);
    int f = key.proj == proj ? sim_ckpt_find(net, &key, &k) : -1;
    if (f < 0)
      return sim_ckpt_bad(r, "a synapse this network does not have");
    if (!f)
      continue;
    if (st->w)
      memcpy(&st->w[k], (const double *)wp + q, sizeof *st->w);
    if (st->a)
      memcpy(&st->a[k * nd], (const float *)ap + q * nd, nd * sizeof *st->a);
    if (st->t_prog)
      memcpy(&st->t_prog[k * nd], (const double *)tp + q * nd, nd * sizeof *st->t_prog);
  }
  for (size_t q = 0; q < npre; q++) {
    pre_ent x;
    memcpy(&x, (const char *)prep + q * sizeof x, sizeof x);
    uint32_t s = x.gid - st->src_first;
    if (x.gid < st->src_first || s >= tab->src_n)
      return sim_ckpt_bad(r, "an STDP trace of a source this projection does not have");
    st->pre_last[s] = x.last;
    st->kplus[s] = x.kplus;
  }
  for (size_t q = 0; q < npost; q++) {
    post_ent x;
    uint32_t j;
    memcpy(&x, (const char *)postp + q * sizeof x, sizeof x);
    if (sim_ckpt_local(net, pr->tgt, x.gid, &j))
      st->post[j] = x.h;
  }
  if (l->counters) {
    syn_counters c;
    memcpy(&c, cp, sizeof c);
    st->c.reads += c.reads;
    st->c.pulses += c.pulses;
    st->c.updates += c.updates;
    st->c.read_g_us += c.read_g_us;
  }
  return 0;
}
