"""cli.py: the summary `memspike replay` prints, from Python (the old
tools/memspike_log.py command line, kept as `python3 -m memspike_log` and
the tools/memspike_log.py shim).

usage: memspike_log.py [--counts] LOG...
  --counts   print only "NAME SPIKES" per population (machine-friendly;
             "NAME not-recorded" for populations without a spike recorder)

Several files are the ranks of one run (same digest, seed, nranks); a
subset of the ranks is summarised alone (with a note).  Only neurons
inside a spike recorder count; the duration is the smallest complete tick
over the files.  Exit status 0; 1 with a message on a bad file; 2 for a
bad option or no file.
"""
import sys

from .reader import LogError
from .run import open_run


def _usage():
    d = __doc__
    return d[d.index("usage: "):d.index("\n\nSeveral")]


def main(argv):
    if "-h" in argv or "--help" in argv:
        print(_usage())
        return 0
    bad = [a for a in argv if a.startswith("-") and a != "--counts"]
    paths = [a for a in argv if a != "--counts"]
    if bad or not paths:
        sys.stderr.write("memspike_log.py: %s\nusage: memspike_log.py [--counts] LOG...  "
                         "(--help for more)\n"
                         % ("unknown option '%s'" % bad[0] if bad else "no log file given"))
        return 2
    try:
        run = open_run(paths, partial=True)
    except LogError as e:
        print("memspike_log: %s" % e, file=sys.stderr)
        return 1
    counts = run.counts()
    if "--counts" in argv:
        for name, c in counts.items():
            print(name, "not-recorded" if c is None else c[1])
        return 0
    for f in run.files:
        h, st = f.header, f.status
        print("file: %s" % f.path)
        print("  format %s version %d, rank %d of %d, seed %d, digest %016x"
              % (h["format"], h["version"], h["rank"], h["nranks"], h["seed"], h["digest"]))
        print("  config %s, resolution %s ms, duration %s ms"
              % (h["config"] or "(none)", h["resolution_ms"], h["duration_ms"]))
        print("  units " + ", ".join("%s %s" % kv for kv in h["units"].items()))
        for q in h["populations"]:
            print("  population %s (%s): gids [%d, %d)"
                  % (q["name"], q["model"], q["first_gid"], q["first_gid"] + q["n"]))
        for r in h["recorders"]:
            what = {"state": " ".join(r["variables"]) + " every %s ms" % r["interval_ms"],
                    "spikes": "spikes"}.get(r["kind"], r["kind"])
            print("  recorder %s: %s of %s[%d:%d]"
                  % (r["name"], what, h["populations"][r["population"]]["name"]
                     if h["populations"] else "-", r["first"], r["first"] + r["count"]))
        print("  %d records, %d spikes, %d sample records: %s"
              % (st["records"], st["spikes"], st["samples"], f.describe_status()))
    dur_s = (run.t_stop_ms - run.t_start_ms) * 1e-3
    print("duration: %g ms (%d ticks)" % (run.t_stop_ms, run.end_tick))
    if run.missing_ranks:
        print("note: rank%s %s of %d missing: counts cover only the given ranks"
              % ("s" if len(run.missing_ranks) > 1 else "",
                 ", ".join(map(str, run.missing_ranks)), run.nranks))
    print("%-16s %10s %12s %10s" % ("population", "neurons", "spikes", "rate_Hz"))
    tn = ts = 0
    for name, c in counts.items():
        if c is None:
            print("%-16s %10s" % (name, "not recorded"))
            continue
        n, k = c
        print("%-16s %10d %12d %10.3f" % (name, n, k, k / (n * dur_s) if dur_s > 0 else 0.0))
        tn += n
        ts += k
    print("%-16s %10d %12d %10.3f" % ("total", tn, ts,
                                      ts / (tn * dur_s) if dur_s > 0 and tn else 0.0))
    return 0
