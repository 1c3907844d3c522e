/*
 * plot.h: the `plot` subcommand (tools/plot.c): runs the Python plotter.
 */
#ifndef TOOLS_PLOT_H
#define TOOLS_PLOT_H

/* Runs tools/memspike_plot.py with argv (after "plot"); returns only on
   failure to start it (1, message on stderr): else the process becomes
   Python and its exit status is the command's. */
int plot_exec(int argc, char **argv);

#endif
