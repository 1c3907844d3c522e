#!/usr/bin/python3
"""memspike_plot.py: what `memspike plot` runs (memspike_log.plot; usage:
memspike plot --help).  Finds the package beside this script: ../python in
the source tree and in the install's data directory."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
if sys.path[1:2] == [HERE]:
    del sys.path[1]                 # tools/memspike_log.py is not the package
from memspike_log.plot import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
