/*
 * sim_types.h: the few types every module shares: simulation time in ticks,
 * global neuron ids, and the error-code table.  Nothing else lives here.
 */
#ifndef SIM_TYPES_H
#define SIM_TYPES_H

#include <stdint.h>
#include <stddef.h>

/* Simulation time in integer ticks of the run's resolution (default 0.1 ms).
   Tick t stands for the time point t * resolution; a run of duration T
   simulates ticks [0, T / resolution). */
typedef int64_t sim_time;
#define SIM_NEVER INT64_MAX /* "no event scheduled" */

/* Global neuron id: unique over all populations and ranks, assigned in the
   order populations are declared (first population starts at 0). */
typedef uint32_t sim_gid;

/* Error codes: functions that can fail return 0 or one of these (negative).
   The X-macro yields both the enum and the message table (sim_strerror). */
#define SIM_ERRORS(X)                                        \
  X(SIM_OK, 0, "success")                                    \
  X(SIM_ENOMEM, -1, "out of memory")                         \
  X(SIM_EINVAL, -2, "invalid argument")                      \
  X(SIM_ECONFIG, -3, "configuration error")                  \
  X(SIM_EIO, -4, "input/output error")                       \
  X(SIM_EFORMAT, -5, "malformed file")                       \
  X(SIM_ERANGE, -6, "value out of range")                    \
  X(SIM_ECOMM, -7, "communication error")                    \
  X(SIM_EUSAGE, -8, "bad command-line usage")                \
  X(SIM_ESTOP, -9, "stopped on request")                    \
  X(SIM_ESTATE, -10, "not possible at this point")           \
  X(SIM_ENOTSUP, -11, "not supported")

enum sim_error_code {
#define SIM_ERR_ENUM(name, value, msg) name = value,
  SIM_ERRORS(SIM_ERR_ENUM)
#undef SIM_ERR_ENUM
};

#endif
