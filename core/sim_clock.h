/*
 * sim_clock.h: the one wall clock of the simulator (monotonic seconds),
 * for build, simulate and communication timings and progress reports.
 */
#ifndef SIM_CLOCK_H
#define SIM_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double sim_clock_s(void);

#endif
