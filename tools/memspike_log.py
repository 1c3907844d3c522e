#!/usr/bin/python3
"""memspike_log.py: the replay summary from Python (`python3 -m
memspike_log`); the reader itself is the package python/memspike_log
(docs/python.md).  Found beside this script: ../python in the source tree
and in the install's data directory.

usage: memspike_log.py [--counts] LOG...
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
if sys.path[1:2] == [HERE]:
    del sys.path[1]                 # this file is not the package
from memspike_log.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
