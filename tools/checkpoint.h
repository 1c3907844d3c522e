/*
 * checkpoint.h: checkpoints from the command line (docs/checkpoint-format.md):
 * `run --checkpoint-every MS --checkpoint-at MS[,MS...] --checkpoint-dir DIR`,
 * SIGUSR1 (and SIGTERM when the run checkpoints) writing a checkpoint at
 * the next window end before exiting 0, and `memspike resume DIR [--until
 * MS]`, which rebuilds the network from the checkpoint's config and goes
 * on from it.  The run loop here is sim_run in steps with checkpoints
 * between them.
 */
#ifndef TOOLS_CHECKPOINT_H
#define TOOLS_CHECKPOINT_H

#include <signal.h>
#include <stdint.h>

#include "../core/sim_engine.h"
#include "../io/io_log.h"
#include "../network/net_build.h"

/* ckpt_run: stopped by a signal after writing a checkpoint. */
#define CKPT_STOPPED 1

typedef struct ckpt_opts {
  double every_ms;          /* --checkpoint-every (0: none) */
  double at_ms[64];         /* --checkpoint-at, ascending */
  uint32_t nat;
  const char *dir;          /* --checkpoint-dir (NULL: OUT/checkpoints) */
  const char *resume;       /* --resume-from DIR (set by `memspike resume`) */
  int on;                   /* any of the above: SIGTERM checkpoints too */
  int quiet;
  /* The run, for the checkpoint's header (ckpt_set_run). */
  char *config;             /* owned: absolute path */
  char **sets;              /* owned */
  uint32_t nsets;
  char *out_dir;            /* owned: absolute path, or NULL (--no-log) */
  int sig;                  /* the signal that stopped the run */
  char written[4200];       /* the last checkpoint written */
  /* Resume: every rank's file of o->resume. */
  struct io_ckpt_r **files;
  uint32_t nfiles;
} ckpt_opts;

/* Option argv[*i] of `run`: 1 consumed (with its value; *i moved), 0 not
   a checkpoint option, or SIM_EUSAGE with a message. */
int ckpt_parse_opt(ckpt_opts *o, int argc, char **argv, int *i);
/* What the run is (copied): config path, overrides, output directory
   (NULL: no log). */
void ckpt_set_run(ckpt_opts *o, const char *config, const char *const *sets, int nsets,
                  const char *out_dir, int quiet);
/* Before building: a resumed run opens and checks every rank's file. */
int ckpt_prepare(ckpt_opts *o);
/* After building, before any output: 0, or SIM_ECONFIG naming the first
   plug-in that cannot be checkpointed when the run checkpoints. */
int ckpt_check(const ckpt_opts *o, const net_network *net);
/* Open the event log at path: a new one, or on a resume on as many ranks
   the checkpoint's log continued from its position. */
int ckpt_log_open(ckpt_opts *o, const char *path, const io_log_header *h, io_log **log);
/* The run on the open engine e of net (at tick 0; the caller closes
   it): loading the checkpoint first on a resume, then advancing in steps
   and writing the checkpoints asked for.  stop: the run's signal flag
   (its value says which signal).  Returns what sim_engine_advance does,
   or CKPT_STOPPED (a signal asked for a checkpoint, written to
   o->written). */
int ckpt_run(ckpt_opts *o, const net_network *net, sim_engine *e, io_log *log,
             const char *log_path, const volatile sig_atomic_t *stop);
/* After CKPT_STOPPED: rank 0 says where the checkpoint is. */
void ckpt_report_stop(const ckpt_opts *o, double at_ms, double of_ms);
void ckpt_opts_fini(ckpt_opts *o);

/* `memspike resume DIR [--until MS] [options of run]`: the arguments of
   the `run` that continues it (*out, *nout; free with ckpt_resume_free),
   after checking the checkpoint (every rank's file: present, complete,
   checksum, version, one run, and the config unchanged).  Returns 0, or
   2 with the message printed. */
int ckpt_resume_args(int argc, char **argv, int *nout, char ***out);
void ckpt_resume_free(int n, char **args);

#endif
