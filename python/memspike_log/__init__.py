"""memspike_log: read memspike event logs (docs/log-format.md, format
versions 1 and 2) into numpy, pandas and Neo.  docs/python.md.

    import memspike_log
    run = memspike_log.open_run("out/events.rank*.msgpack")
    s = run.spikes(population="E", t_start=100, t_stop=200)  # numpy, sorted
    df = run.spikes_df()                                      # pandas
    vm = run.samples("vm")                                    # times, values, units
    blk = run.to_neo()                                        # neo.Block

Errors in a log raise LogError (a ValueError) naming the file, record,
byte offset and field; truncated files are read up to their last complete
record (file.status says where they stop).
"""
from .reader import LogError, LogFile, read_log
from .run import Run, Samples, Table, open_run

__all__ = ["open_run", "read_log", "Run", "LogFile", "LogError", "Samples", "Table"]
__version__ = "0.2.0"
