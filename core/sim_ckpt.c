/*
 * sim_ckpt.c: helpers of the checkpoint interface (sim_ckpt.h): typed
 * arrays, and synapse keys to CSR entries and back, so that plug-ins key
 * their state by gid the same way.
 */
#include "sim_ckpt.h"

#include "sim_alloc.h"
#include "sim_error.h"
#include "sim_net.h"

int sim_ckpt_get_array(sim_ckpt_reader *r, const char *f, size_t sz, const void **p,
                       size_t *n)
{
  size_t len;
  int rc = sim_ckpt_get_bin(r, f, p, &len);
  if (rc)
    return rc;
  if (len % sz)
    return sim_ckpt_bad(r, f);
  *n = len / sz;
  return 0;
}

sim_ckpt_key *sim_ckpt_keys(const sim_net *net, uint32_t proj)
{
  const sim_proj *pr = &net->projs[proj];
  const sim_syn_table *t = pr->syn;
  const sim_gid src0 = net->pops[pr->src].first_gid;
  const sim_gid *tg = net->pops[pr->tgt].gid;
  sim_ckpt_key *keys = sim_malloc((size_t)t->nsyn * sizeof *keys + 1, "checkpoint keys");
  for (uint32_t r = 0; r < t->nrows; r++) {
    const sim_gid pre = src0 + sim_syn_row_source(t, r);
    uint32_t ord = 0;
    for (uint64_t k = t->off[r]; k < t->off[r + 1]; k++) {
      ord = k > t->off[r] && t->tgt[k - 1] == t->tgt[k] ? ord + 1 : 0;
      keys[k] = (sim_ckpt_key){proj, pre, tg[t->tgt[k]], ord};
    }
  }
  return keys;
}

int sim_ckpt_local(const sim_net *net, uint32_t pop, sim_gid gid, uint32_t *j)
{
  const sim_pop *p = &net->pops[pop];
  uint32_t lo = 0, hi = p->nlocal;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (p->gid[mid] < gid)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < p->nlocal && p->gid[lo] == gid) {
    *j = lo;
    return 1;
  }
  return 0;
}

int sim_ckpt_find(const sim_net *net, const sim_ckpt_key *key, uint64_t *k)
{
  if (key->proj >= net->nprojs)
    return -1;
  const sim_proj *pr = &net->projs[key->proj];
  const sim_syn_table *t = pr->syn;
  const sim_pop *src = &net->pops[pr->src];
  if (key->pre < src->first_gid || key->pre - src->first_gid >= t->src_n)
    return -1;
  const sim_pop *tp = &net->pops[pr->tgt];
  if (key->post < tp->first_gid || key->post - tp->first_gid >= tp->n)
    return -1;
  uint32_t j;
  if (!sim_ckpt_local(net, pr->tgt, key->post, &j))
    return 0;
  const sim_syn_span row = sim_syn_find(t, key->pre - src->first_gid);
  uint64_t lo = row.k0, hi = row.k1;
  while (lo < hi) { /* first entry with target >= j (sorted by target) */
    uint64_t mid = lo + (hi - lo) / 2;
    if (t->tgt[mid] < j)
      lo = mid + 1;
    else
      hi = mid;
  }
  uint64_t e = lo + key->ord;
  if (e >= row.k1 || t->tgt[e] != j)
    return -1;
  *k = e;
  return 1;
}
