/*
 * sim_queue.h: event queue bucketed by tick (a calendar ring).  Events due
 * within the ring's horizon go straight into their tick's bucket (O(1)
 * append); later ones wait in a binary heap and move into the ring as the
 * horizon advances.  Ticks are popped in increasing order, whole buckets at
 * a time, so push and pop are O(1) amortized for the near future.
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdint.h>

#include "sim_types.h"

/* One event: what it is for is the engine's business (kind, group, index:
   e.g. a neuron's self-event or the next spike of a Poisson train). */
typedef struct sim_event {
  uint16_t kind;  /* engine-defined */
  uint16_t group; /* e.g. population or projection number */
  uint32_t index; /* e.g. local neuron or pair index */
} sim_event;

typedef struct sim_bucket {
  sim_event *ev; /* owned */
  uint32_t n, cap;
} sim_bucket;

typedef struct sim_heap_item {
  sim_time t;
  uint64_t seq; /* insertion order: keeps equal-time events FIFO */
  sim_event ev;
} sim_heap_item;

typedef struct sim_queue {
  sim_bucket *buckets; /* owned, nbuckets (a power of two) */
  uint32_t nbuckets, mask;
  sim_time now;        /* lowest tick not yet popped; buckets hold
                          [now, now + nbuckets) */
  sim_heap_item *heap; /* owned: events at or beyond now + nbuckets */
  size_t nheap, capheap;
  uint64_t seq;
  uint64_t size;       /* events in buckets and heap */
} sim_queue;

/* horizon: ticks kept in the ring (rounded up to a power of two).  start is
   the first tick that will be popped. */
void sim_queue_init(sim_queue *q, uint32_t horizon, sim_time start);
void sim_queue_fini(sim_queue *q);

/* Schedule ev at tick t >= q->now (earlier ticks are a programmer error). */
void sim_queue_push(sim_queue *q, sim_time t, sim_event ev);

/* Events due at tick t == q->now, in insertion order (borrowed; valid until
   sim_queue_advance).  Events pushed for t while the bucket is processed
   are appended to it, so callers iterate until *n stops growing. */
sim_event *sim_queue_bucket(sim_queue *q, uint32_t *n);

/* Finish tick q->now: empty its bucket and move to the next tick, pulling
   from the heap what now falls inside the horizon. */
void sim_queue_advance(sim_queue *q);

/* Tick of the earliest event held, or SIM_NEVER. */
sim_time sim_queue_next(const sim_queue *q);

/* Move the queue's time to t >= q->now when no event is due before t
   (idle time skipped in one step). */
void sim_queue_jump(sim_queue *q, sim_time t);

/* Every event held, in the order they will be popped (tick, then bucket
   or insertion order): a checkpoint saves them so, and pushing them again
   in that order into a queue started at q->now pops them alike. */
void sim_queue_walk(const sim_queue *q, void (*fn)(void *ctx, sim_time t, const sim_event *ev),
                    void *ctx);

#endif
