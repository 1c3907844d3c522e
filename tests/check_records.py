"""check_records.py: the weights, devices and energy records of one run's
event logs (version 2: codes 4, 5, 7) against its --json summary, read
with msgpack alone (independent of the C reader and of
tools/memspike_log.py).

usage: check_records.py LOG... --json SUMMARY [--dump FILE]

Checks that the device writes' |pulses| add up to device_pulses, that the
energy rows add up to the summary's counters, that there is at least one
device write and one weight snapshot; --dump writes every snapshot entry
and device write, merged over the logs and sorted, for comparing runs on
different rank counts.  Exit 0 when every check holds."""
import json
import sys

import msgpack


def main(argv):
    if "--json" not in argv:
        print(__doc__)
        return 2
    i = argv.index("--json")
    summary = json.load(open(argv[i + 1]))
    dump = None
    rest = argv[:i] + argv[i + 2:]
    if "--dump" in rest:
        j = rest.index("--dump")
        dump = rest[j + 1]
        rest = rest[:j] + rest[j + 2:]
    logs = rest
    pulses, writes, snaps, energy, hdr = 0, [], [], {}, None
    for path in logs:
        with open(path, "rb") as f:
            u = msgpack.Unpacker(f, raw=False, strict_map_key=False)
            hdr = next(u)
            for r in u:
                if r[0] == 4:
                    _, wend, proj, base, dt, pre, post, pl, g = r
                    assert len(dt) == len(pre) == len(post) == len(pl) == len(g) > 0
                    for k in range(len(dt)):
                        assert base <= base + dt[k] < wend
                        writes.append((base + dt[k], pre[k], post[k], pl[k], g[k], proj))
                    pulses += sum(abs(p) for p in pl)
                elif r[0] == 5:
                    comps = [row[0] for row in r[2]]
                    assert comps == sorted(set(comps)), "energy rows not ascending"
                    for row in r[2]:
                        assert any(row[1:]), "an all-zero energy row"
                        e = energy.setdefault(row[0], [0] * 6)
                        for k in range(6):
                            e[k] += row[1 + k]
                elif r[0] == 7:
                    _, tick, rec, pre, post, w, g = r
                    for k in range(len(pre)):
                        snaps.append((tick, rec, pre[k], post[k], w[k], g[k] if g else None))
    nproj, npop = len(hdr["projections"]), len(hdr["populations"])
    proj = [e for c, e in energy.items() if c < nproj]
    pops = [e for c, e in energy.items() if nproj <= c < nproj + npop]
    trans = energy.get(nproj + npop, [0] * 6)
    checks = [
        ("device writes' pulses = device_pulses", pulses, summary["device_pulses"]),
        ("energy reads = device_reads", sum(e[0] for e in proj), summary["device_reads"]),
        ("energy pulses = device_pulses", sum(e[1] for e in proj), summary["device_pulses"]),
        ("energy updates = stdp_updates", sum(e[2] for e in proj), summary["stdp_updates"]),
        ("energy events = syn_events + ext_events", sum(e[3] for e in proj),
         summary["syn_events"] + summary["ext_events"]),
        ("energy spikes = spikes_emitted", sum(e[3] for e in pops), summary["spikes_emitted"]),
        ("energy transport = spikes_sent", trans[3], summary["spikes_sent"]),
        ("energy transport bytes = bytes_sent", trans[0], summary["bytes_sent"]),
        ("energy write_pj = write_energy_pj", round(sum(e[5] for e in proj), 3),
         round(summary["write_energy_pj"], 3)),
        ("energy read_pj = read_energy_pj", round(sum(e[4] for e in proj), 3),
         round(summary["read_energy_pj"], 3)),
        ("some device writes", len(writes) > 0, True),
        ("some weight snapshots", len(snaps) > 0, True),
    ]
    bad = 0
    for name, got, want in checks:
        good = got == want
        bad += not good
        print("%s %s%s" % ("ok  " if good else "FAIL", name, "" if good else ": %r, want %r" % (got, want)))
    if dump:
        with open(dump, "w") as f:
            for s in sorted(snaps, key=lambda x: x[:4]):
                f.write("w %d %d %d %d %r %r\n" % s)
            for w in sorted(writes):
                f.write("d %d %d %d %d %r %d\n" % w)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
