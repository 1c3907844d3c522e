/*
 * replay_cmd.h: `memspike replay` (tools/replay_cmd.c): its options as one
 * struct, parsed by replay_args_parse, and the command.
 */
#ifndef REPLAY_CMD_H
#define REPLAY_CMD_H

#include <stdint.h>

#include "../io/io_replay.h"

/* The options of `memspike replay`; files borrowed from argv, pops owned. */
typedef struct replay_args {
  const char **files;     /* nfiles log files */
  int nfiles;
  int flags;              /* IO_REPLAY_PARTIAL */
  char **pops;            /* --population names (npops) */
  uint32_t npops;
  int neurons;            /* --neurons given */
  uint32_t lo, hi;        /* its local ids [lo, hi) */
  double from_ms, to_ms;  /* --from, --to (0, INFINITY when absent) */
  int has_to;
  int stats, json;        /* --stats, --json */
  double bin_ms;          /* --bin (ms) */
  uint32_t pairs;         /* --pairs */
  const char *csv;        /* --csv FILE or NULL */
  io_replay_kind kind;    /* --kind (of --csv) */
  const char *sonata;     /* --sonata FILE or NULL */
} replay_args;

/* Parse argv (after the command word) into a.  Returns 0, or 2 after
   printing what is wrong (naming the flag and what it expects) and the
   usage on stderr.  a is fit for replay_args_fini in every case. */
int replay_args_parse(int argc, char **argv, replay_args *a /* OUT */);
void replay_args_fini(replay_args *a);

/* Run `memspike replay ARGS...` (argv after the command word); returns the
   exit status (0; 1 a corrupt log or a failed write; 2 usage or bad input;
   3 out of memory). */
int cmd_replay(int argc, char **argv);

#endif
