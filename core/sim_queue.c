/*
 * sim_queue.c: the tick-bucketed event queue (see sim_queue.h).
 */
#include "sim_queue.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim_alloc.h"

void sim_queue_init(sim_queue *q, uint32_t horizon, sim_time start)
{
  uint32_t nb = 1;
  while (nb < horizon)
    nb <<= 1;
  memset(q, 0, sizeof *q);
  q->buckets = sim_calloc(nb, sizeof *q->buckets, "event queue buckets");
  q->nbuckets = nb;
  q->mask = nb - 1;
  q->now = start;
}

void sim_queue_fini(sim_queue *q)
{
  if (!q->buckets)
    return;
  for (uint32_t i = 0; i < q->nbuckets; i++)
    sim_free(q->buckets[i].ev);
  sim_free(q->buckets);
  sim_free(q->heap);
  memset(q, 0, sizeof *q);
}

static void bucket_append(sim_bucket *b, sim_event ev)
{
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 64;
    b->ev = sim_realloc(b->ev, (size_t)b->cap * sizeof *b->ev, "event bucket");
  }
  b->ev[b->n++] = ev;
}

static int heap_less(const sim_heap_item *a, const sim_heap_item *b)
{
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(sim_queue *q, sim_time t, sim_event ev)
{
  if (q->nheap == q->capheap) {
    q->capheap = q->capheap ? 2 * q->capheap : 256;
    q->heap = sim_realloc(q->heap, q->capheap * sizeof *q->heap, "event heap");
  }
  size_t i = q->nheap++;
  sim_heap_item item = {t, q->seq++, ev};
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!heap_less(&item, &q->heap[parent]))
      break;
    q->heap[i] = q->heap[parent];
    i = parent;
  }
  q->heap[i] = item;
}

static sim_heap_item heap_pop(sim_queue *q)
{
  sim_heap_item top = q->heap[0], last = q->heap[--q->nheap];
  size_t i = 0, n = q->nheap;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && heap_less(&q->heap[c + 1], &q->heap[c]))
      c++;
    if (!heap_less(&q->heap[c], &last))
      break;
    q->heap[i] = q->heap[c];
    i = c;
  }
  if (n)
    q->heap[i] = last;
  return top;
}

void sim_queue_push(sim_queue *q, sim_time t, sim_event ev)
{
  assert(t >= q->now);
  q->size++;
  if (t - q->now < (sim_time)q->nbuckets)
    bucket_append(&q->buckets[t & q->mask], ev);
  else
    heap_push(q, t, ev);
}

sim_event *sim_queue_bucket(sim_queue *q, uint32_t *n)
{
  sim_bucket *b = &q->buckets[q->now & q->mask];
  *n = b->n;
  return b->ev;
}

void sim_queue_advance(sim_queue *q)
{
  sim_bucket *b = &q->buckets[q->now & q->mask];
  q->size -= b->n;
  b->n = 0;
  q->now++;
  /* The ring now covers [now, now + nbuckets): its new last tick may have
     events waiting in the heap.  Heap order is (t, seq), so FIFO order
     among same-tick events is kept. */
  sim_time horizon = q->now + q->nbuckets;
  while (q->nheap && q->heap[0].t < horizon) {
    sim_heap_item it = heap_pop(q);
    bucket_append(&q->buckets[it.t & q->mask], it.ev);
  }
}

sim_time sim_queue_next(const sim_queue *q)
{
  if (q->size == 0)
    return SIM_NEVER;
  for (uint32_t k = 0; k < q->nbuckets; k++)
    if (q->buckets[(q->now + k) & q->mask].n)
      return q->now + k;
  return q->nheap ? q->heap[0].t : SIM_NEVER;
}

void sim_queue_jump(sim_queue *q, sim_time t)
{
  assert(t >= q->now && sim_queue_next(q) >= t);
  q->now = t;
  sim_time horizon = q->now + q->nbuckets;
  while (q->nheap && q->heap[0].t < horizon) {
    sim_heap_item it = heap_pop(q);
    bucket_append(&q->buckets[it.t & q->mask], it.ev);
  }
}

static int heap_cmp(const void *a, const void *b)
{
  return heap_less(a, b) ? -1 : heap_less(b, a) ? 1 : 0;
}

void sim_queue_walk(const sim_queue *q, void (*fn)(void *ctx, sim_time t, const sim_event *ev),
                    void *ctx)
{
  for (uint32_t i = 0; i < q->nbuckets; i++) {
    const sim_bucket *b = &q->buckets[(uint32_t)(q->now + i) & q->mask];
    for (uint32_t k = 0; k < b->n; k++)
      fn(ctx, q->now + i, &b->ev[k]);
  }
  if (!q->nheap)
    return;
  sim_heap_item *h = sim_malloc(q->nheap * sizeof *h, "queue walk");
  memcpy(h, q->heap, q->nheap * sizeof *h);
  qsort(h, q->nheap, sizeof *h, heap_cmp);
  for (size_t k = 0; k < q->nheap; k++)
    fn(ctx, h[k].t, &h[k].ev);
  sim_free(h);
}
