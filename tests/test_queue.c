/*
 * test_queue.c: the tick-bucketed event queue against a sorted reference,
 * across the ring horizon (heap spill) and with same-tick FIFO order.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "../core/sim_queue.h"
#include "../core/sim_rng.h"
#include "test_suites.h"

typedef struct ref_ev {
  sim_time t;
  uint32_t id;
} ref_ev;

static int ref_cmp(const void *a, const void *b)
{
  const ref_ev *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id; /* ids are pushed in order */
}

static void test_order_against_reference(void)
{
  enum { N = 20000 };
  ref_ev *ref = malloc(N * sizeof *ref);
  sim_queue q;
  sim_queue_init(&q, 16, 1);
  sim_rng r;
  sim_rng_stream(&r, 3, 3, 3, 3);
  for (uint32_t i = 0; i < N; i++) {
    /* Mostly near, some far beyond the 16-tick ring. */
    sim_time t = 1 + (i % 10 == 0 ? sim_rng_below(&r, 5000) : sim_rng_below(&r, 12));
    ref[i] = (ref_ev){t, i};
    sim_queue_push(&q, t, (sim_event){1, 0, i});
  }
  qsort(ref, N, sizeof *ref, ref_cmp);
  uint32_t k = 0;
  int ok = 1;
  for (sim_time t = 1; t <= 5001; t++) {
    uint32_t n;
    sim_event *ev = sim_queue_bucket(&q, &n);
    for (uint32_t i = 0; i < n; i++, k++)
      if (k >= N || ref[k].t != t || ref[k].id != ev[i].index)
        ok = 0;
    sim_queue_advance(&q);
  }
  CU_ASSERT(ok);
  CU_ASSERT_EQUAL(k, N);
  CU_ASSERT_EQUAL(q.size, 0);
  sim_queue_fini(&q);
  free(ref);
}

static void test_push_into_current_bucket(void)
{
  sim_queue q;
  sim_queue_init(&q, 8, 10);
  sim_queue_push(&q, 10, (sim_event){1, 0, 1});
  uint32_t n, seen = 0;
  for (uint32_t i = 0;; i++) {
    sim_event *ev = sim_queue_bucket(&q, &n);
    if (i >= n)
      break;
    seen++;
    if (ev[i].index < 5) /* handlers may schedule more for the same tick */
      sim_queue_push(&q, 10, (sim_event){1, 0, ev[i].index + 1});
  }
  CU_ASSERT_EQUAL(seen, 5);
  sim_queue_advance(&q);
  CU_ASSERT_EQUAL(q.now, 11);
  CU_ASSERT_EQUAL(q.size, 0);
  sim_queue_fini(&q);
}

int test_queue_register(void)
{
  CU_pSuite s = CU_add_suite("queue", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "tick order and FIFO vs reference", test_order_against_reference) ||
      !CU_add_test(s, "events added to the current tick", test_push_into_current_bucket))
    return -1;
  return 0;
}
