/*
 * cim.h: `memspike cim`, a CNN on NeuRRAM-like compute-in-memory cores
 * (tools/cim.c; network/net_cnn_cores.h; docs/examples/neurram.md).
 */
#ifndef CIM_H
#define CIM_H

/* Run `memspike cim ARGS...` (argv after the command word); returns the
   exit status (0, 1 run-time failure, 2 usage or bad input). */
int cmd_cim(int argc, char **argv);

#endif
