/*
 * sim_clock.h: the one wall clock of the simulator (monotonic seconds),
 * for build, simulate and communication timings and progress reports.
 */
#ifndef SIM_CLOCK_H
#define SIM_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double sim_clock_s(void);

/* CPU seconds of this process (user + system, CLOCK_PROCESS_CPUTIME_ID): on
   a machine shared with other jobs, the cost of a phase where wall time
   also counts the waiting. */
double sim_clock_cpu_s(void);

#endif
