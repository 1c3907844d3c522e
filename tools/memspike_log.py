#!/usr/bin/python3
"""memspike_log.py: read memspike event logs (docs/log-format.md) in Python.

Prints each file's header and status, then per population: recorded
neurons, spikes and mean rate, with the same rules as `memspike replay`
(io_replay_summary), so the two can be compared:
  - several files are the ranks of one run (same digest, seed, nranks);
  - only neurons inside a spike recorder count; a population without one
    is "not recorded";
  - the duration is the smallest complete tick over the files (end record's
    final tick, or the last window end of a truncated file); spikes at or
    after it are ignored.

usage: memspike_log.py [--counts] LOG...
  --counts   print only "NAME SPIKES" per population (machine-friendly;
             "NAME not-recorded" for populations without a spike recorder)

Needs python3-msgpack.  Exit status 0; 1 with a message on a bad file; 2
for a bad option or no file.
"""
import os
import sys

import msgpack

FORMAT = "memspike-log"
VERSION = 1
SPIKES, SAMPLES, WINDOW, END = 1, 2, 3, 9
HEADER_KEYS = ("format", "version", "config", "digest", "seed", "rank",
               "nranks", "resolution_ms", "duration_ms", "units",
               "populations", "recorders")


class LogError(Exception):
    pass


def read_log(path):
    """Read one log: (header, spikes [(tick, gid)], status dict)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        unp = msgpack.Unpacker(f, raw=False, strict_map_key=False)
        try:
            header = next(unp)
        except StopIteration:
            raise LogError(f"{path}: empty or incomplete header")
        except (ValueError, msgpack.exceptions.UnpackException) as e:
            raise LogError(f"{path}: header: not msgpack ({e})")
        if not isinstance(header, dict):
            raise LogError(f"{path}: header must be a map")
        for k in HEADER_KEYS:
            if k not in header:
                raise LogError(f'{path}: header: field "{k}" is missing')
        if header["format"] != FORMAT:
            raise LogError(f'{path}: "format" is {header["format"]!r}')
        if header["version"] != VERSION:
            raise LogError(f'{path}: "version" is {header["version"]}')
        spikes = []
        st = {"records": 0, "good_bytes": unp.tell(), "ended": False,
              "complete_tick": 0, "samples": 0}
        while True:
            off = unp.tell()
            try:
                rec = next(unp)
            except StopIteration:
                break
            except (ValueError, msgpack.exceptions.UnpackException) as e:
                raise LogError(f"{path}: record {st['records'] + 1} at byte "
                               f"{off}: {e}")
            idx = st["records"] + 1
            if st["ended"]:
                raise LogError(f"{path}: record {idx} at byte {off}: data "
                               "after the end record")
            if not isinstance(rec, list) or not rec or not isinstance(rec[0], int):
                raise LogError(f"{path}: record {idx} at byte {off}: expected "
                               "[type code, ...]")
            code = rec[0]
            if code == SPIKES:
                _, wend, base, dts, gids = rec
                spikes.extend(zip((base + d for d in dts), gids))
                st["complete_tick"] = wend
            elif code == SAMPLES:
                st["samples"] += 1
            elif code == WINDOW:
                st["complete_tick"] = rec[1]
            elif code == END:
                st["ended"] = True
                st["complete_tick"] = rec[1]
                if rec[2].get("spikes") != len(spikes):
                    raise LogError(f"{path}: end record counts "
                                   f"{rec[2].get('spikes')} spikes, the file "
                                   f"holds {len(spikes)}")
            elif not 64 <= code <= 127:
                raise LogError(f"{path}: record {idx} at byte {off}: unknown "
                               f"record type code {code}")
            st["records"] = idx
            st["good_bytes"] = unp.tell()
        st["partial_bytes"] = size - st["good_bytes"]
        st["truncated"] = not st["ended"]
        return header, spikes, st


def recorded_spans(header):
    """Per population: sorted disjoint [lo, hi) of spike-recorded neurons."""
    spans = [[] for _ in header["populations"]]
    for r in header["recorders"]:
        if r["kind"] == "spikes" and r["count"] > 0:
            spans[r["population"]].append((r["first"], r["first"] + r["count"]))
    merged = []
    for s in spans:
        out = []
        for lo, hi in sorted(s):
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        merged.append(out)
    return merged


def main(argv):
    if "-h" in argv or "--help" in argv:
        print(__doc__[__doc__.index("usage: "):__doc__.index("\nNeeds")].rstrip())
        return 0
    bad = [a for a in argv if a.startswith("-") and a != "--counts"]
    if bad or not argv:
        sys.stderr.write("memspike_log.py: %s\nusage: memspike_log.py [--counts] "
                         "LOG...  (--help for more)\n"
                         % ("unknown option '%s'" % bad[0] if bad else "no log file given"))
        return 2
    counts_only = "--counts" in argv
    paths = [a for a in argv if a != "--counts"]
    if not paths:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    logs = []
    try:
        for p in paths:
            logs.append((p,) + read_log(p))
    except LogError as e:
        print(f"memspike_log: {e}", file=sys.stderr)
        return 1
    h0 = logs[0][1]
    for p, h, _, _ in logs[1:]:
        for k in ("digest", "seed", "nranks", "resolution_ms"):
            if h[k] != h0[k]:
                print(f"memspike_log: {logs[0][0]} and {p} are not logs of one "
                      f"run: different {k}", file=sys.stderr)
                return 1
    ranks = [h["rank"] for _, h, _, _ in logs]
    if len(set(ranks)) != len(ranks):
        print("memspike_log: a rank is given twice", file=sys.stderr)
        return 1

    end = min(st["complete_tick"] for _, _, _, st in logs)
    pops = h0["populations"]
    spans = recorded_spans(h0)
    firsts = [p["first_gid"] for p in pops]
    counts = [0] * len(pops)
    for _, _, spikes, _ in logs:
        for tick, gid in spikes:
            if tick >= end:
                continue
            for i in range(len(pops) - 1, -1, -1):
                if gid >= firsts[i]:
                    break
            local = gid - firsts[i]
            if any(lo <= local < hi for lo, hi in spans[i]):
                counts[i] += 1

    if counts_only:
        for i, p in enumerate(pops):
            print(p["name"], counts[i] if spans[i] else "not-recorded")
        return 0

    for p, h, spikes, st in logs:
        print(f"file: {p}")
        print(f"  format {h['format']} version {h['version']}, rank "
              f"{h['rank']} of {h['nranks']}, seed {h['seed']}, digest "
              f"{h['digest']:016x}")
        print(f"  config {h['config'] or '(none)'}, resolution "
              f"{h['resolution_ms']} ms, duration {h['duration_ms']} ms")
        print("  units " + ", ".join(f"{k} {v}" for k, v in h["units"].items()))
        for q in h["populations"]:
            print(f"  population {q['name']} ({q['model']}): gids "
                  f"[{q['first_gid']}, {q['first_gid'] + q['n']})")
        for r in h["recorders"]:
            what = (" ".join(r["variables"]) + f" every {r['interval_ms']} ms"
                    if r["kind"] == "state" else "spikes")
            print(f"  recorder {r['name']}: {what} of "
                  f"{h['populations'][r['population']]['name']}"
                  f"[{r['first']}:{r['first'] + r['count']}]")
        if st["ended"]:
            state = f"complete, final tick {st['complete_tick']}"
        else:
            state = (f"truncated after record {st['records']} at byte "
                     f"{st['good_bytes']} ({st['partial_bytes']} bytes "
                     f"dropped), complete up to tick {st['complete_tick']}")
        print(f"  {st['records']} records, {len(spikes)} spikes, "
              f"{st['samples']} sample records: {state}")
    dur_s = end * h0["resolution_ms"] * 1e-3
    print(f"duration: {end * h0['resolution_ms']:g} ms ({end} ticks)")
    print(f"{'population':16} {'neurons':>10} {'spikes':>12} {'rate_Hz':>10}")
    tn = ts = 0
    for i, p in enumerate(pops):
        if not spans[i]:
            print(f"{p['name']:16} {'not recorded':>10}")
            continue
        n = sum(hi - lo for lo, hi in spans[i])
        rate = counts[i] / (n * dur_s) if dur_s > 0 else 0.0
        print(f"{p['name']:16} {n:10d} {counts[i]:12d} {rate:10.3f}")
        tn += n
        ts += counts[i]
    rate = ts / (tn * dur_s) if dur_s > 0 and tn else 0.0
    print(f"{'total':16} {tn:10d} {ts:12d} {rate:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
