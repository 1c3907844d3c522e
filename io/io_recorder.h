/*
 * io_recorder.h: the event log as a kernel recorder (core/sim_recorder.h):
 * spikes and samples go to an io_log, each window made durable at its end.
 */
#ifndef IO_RECORDER_H
#define IO_RECORDER_H

#include "../core/sim_recorder.h"
#include "io_log.h"

/* The recorder ops of an event log; the instance's self is the io_log. */
extern const sim_recorder_ops io_log_recorder_ops;

/* A recorder writing to log (borrowed). */
static inline sim_recorder io_log_recorder(io_log *log)
{
  return (sim_recorder){&io_log_recorder_ops, log};
}

#endif
