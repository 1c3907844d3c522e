/*
 * plot.c: `memspike plot KIND LOG... --out FILE.png [options]`.  The
 * plotting is Python (python/memspike_log/plot.py, matplotlib): this only
 * finds tools/memspike_plot.py through the data directories
 * (io/io_datadir.h: the cwd, the binary's source tree, the install) and
 * runs it with $MEMSPIKE_PYTHON or /usr/bin/python3, which checks the
 * options and gives the exit status.
 */
#include "plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../io/io_datadir.h"

int plot_exec(int argc, char **argv)
{
  const char *py = getenv("MEMSPIKE_PYTHON");
  if (!py || !py[0])
    py = "/usr/bin/python3";
  const char *script = io_datadir_file("tools/memspike_plot.py");
  if (access(script, R_OK) != 0) {
    fprintf(stderr, "memspike: plot: cannot find the plot script: %s: %s (set "
            "MEMSPIKE_DATADIR to the directory holding tools/memspike_plot.py)\n", script,
            strerror(errno));
    return 1;
  }
  char **args = sim_calloc((size_t)argc + 3, sizeof *args, "arguments");
  args[0] = (char *)py;
  args[1] = (char *)script;
  for (int i = 0; i < argc; i++)
    args[i + 2] = argv[i];
  fflush(stdout);
  execvp(py, args);
  fprintf(stderr, "memspike: plot: cannot run %s: %s (plots need Python 3 with matplotlib: "
          "apt-get install python3-matplotlib, or set MEMSPIKE_PYTHON)\n", py, strerror(errno));
  sim_free(args);
  return 1;
}
