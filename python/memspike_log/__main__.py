"""python3 -m memspike_log [--counts] LOG...: the replay summary (cli.py)."""
import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
