#!/usr/bin/python3
"""test_pylog.py: the Python package memspike_log (python/) against the C
reader on the same logs, and its version-2 decoder on synthetic logs.

- real logs (version 2 from the writer; the version-1 fixture
  tests/data/log_v1_izhikevich.msgpack) of a small two-population run on 1
  and 2 ranks (mpirun): merged spike times and gids equal `memspike replay --csv`
  (columns found by header name), per-population counts equal replay's
  summary, samples match the header's recorders, files of other runs and
  missing ranks are refused;
- truncated copies: the same complete-record prefix (records, byte) and
  spikes as the C reader reports;
- corrupt bytes and fields: LogError naming file, record, byte and field;
- to_neo: SpikeTrains per recorded neuron with units and t_stop, round
  tripped through neo.io.PickleIO (and NixIO when nixio is installed);
- the writer's weights, devices and energy records (tests/data/
  record_kinds.ini) add up to the run's --json summary, the same on 1 and
  2 ranks;
- version 2 packed in this file with msgpack (docs/log-format.md):
  codes 6, 4, 5, 7, header projections; varint edge cases; truncation at
  every byte; the same spikes as the equivalent version-1 log;
- index sidecar seeks (open_run t_start_ms): the same spikes, samples,
  weights, devices and energy as the whole file from that tick, for many
  ticks, reading fewer records; a missing, corrupt, stale, partial or
  misplaced sidecar warns and gives the same result; plot --from;
- `memspike plot` of every kind writes a PNG (real log for spikes and
  samples, record_kinds.ini and a synthetic v2 log for weights and energy); empty selections,
  logs without the records and bad flags fail with a message.

usage: test_pylog.py --bin build/memspike
Plain asserts, no pytest.  Prints "N passed, N failed, N skipped"; a test
that cannot run raises Skip (a failure under MEMSPIKE_TEST_STRICT=1).
"""
import csv
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback

import msgpack
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import memspike_log  # noqa: E402
from memspike_log import LogError, _varint  # noqa: E402
from pylog_v2fixture import (pack6, synth_spikes, v1_equivalent, v2_header,  # noqa: E402
                             v2_records, write_log)

BIN = os.path.join(ROOT, "build", "memspike")
TMP = tempfile.mkdtemp(prefix="test_pylog.")
TESTS = []
PY = "/usr/bin/python3"


class Skip(Exception):
    """Raised by a test that cannot run here: counted as skipped, not passed."""


def test(fn):
    TESTS.append(fn)
    return fn


def sh(*args, check=True, env=None):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(args), r.returncode, r.stdout,
                                                    r.stderr))
    return r


CONFIG = """[simulation]
duration = 300
resolution = 0.1
seed = 11
output = %(out)s

[population E]
model = iaf_psc_exp
n = 320
C_m = 200
tau_m = 20
t_ref = 5
E_L = -49
V_th = -50
V_reset = -60
tau_syn_ex = 5
tau_syn_in = 10
V_m = uniform(-60, -50)

[population I]
model = iaf_psc_exp
n = 80
C_m = 200
tau_m = 20
t_ref = 5
E_L = -49
V_th = -50
V_reset = -60
tau_syn_ex = 5
tau_syn_in = 10
V_m = uniform(-60, -50)

[projection EE]
source = E
target = E
rule = pairwise_bernoulli
p = 0.1
weight = 16.2
delay = 0.5

[projection EI]
source = E
target = I
rule = pairwise_bernoulli
p = 0.1
weight = 16.2
delay = 0.5

[projection IE]
source = I
target = E
rule = pairwise_bernoulli
p = 0.1
weight = -139.5
delay = 0.5

[projection II]
source = I
target = I
rule = pairwise_bernoulli
p = 0.1
weight = -139.5
delay = 0.5

[record sE]
population = E
kind = spike_recorder
neurons = 0:250

[record sI]
population = I
kind = spike_recorder
neurons = all

[record vm]
population = E
kind = multimeter
neurons = 0:6
variables = V_m, I_syn_ex
interval = 0.5
"""

_RUNS = {}


def run_logs(nranks=1, seed=11):
    """Log paths of the test run on nranks ranks (made once)."""
    key = (nranks, seed)
    if key in _RUNS:
        return _RUNS[key]
    out = os.path.join(TMP, "run%d_%d" % (nranks, seed))
    ini = os.path.join(TMP, "net.ini")
    with open(ini, "w") as f:
        f.write(CONFIG % {"out": out})
    cmd = [BIN, "run", ini, "--out", out, "--quiet", "--set", "simulation.seed=%d" % seed]
    if nranks > 1:
        if not shutil.which("mpirun"):
            raise Skip("mpirun not installed (openmpi-bin: make deps)")
        cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(nranks)] + cmd
    sh(*cmd)
    logs = [os.path.join(out, "events.rank%d.msgpack" % r) for r in range(nranks)]
    _RUNS[key] = logs
    return logs


def c_csv(logs, extra=()):
    """(ticks-as-printed strings, gids, population names) from replay --csv."""
    path = os.path.join(TMP, "c.csv")
    sh(BIN, "replay", *logs, "--csv", path, *extra)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    local = (np.array([int(r["local_id"]) for r in rows])
             if rows and "local_id" in rows[0] else None)    # replay's columns since issue 10
    return ([r["time_ms"] for r in rows], np.array([int(r["gid"]) for r in rows]),
            [r["population"] for r in rows], local)


def c_summary(logs, extra=()):
    """{population: spikes or None}, and the summary text, from replay."""
    out = sh(BIN, "replay", *logs, *extra).stdout
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.split()[:1] == ["population"])
    cols = lines[head].split()
    res = {}
    for l in lines[head + 1:]:
        t = l.split()
        if not t or t[0] == "total":
            break
        if "not recorded" in l:
            res[t[0]] = None
        else:
            res[t[0]] = int(t[cols.index("spikes")])
    return res, out


def fmt_ms(t, res):
    dec = 0
    while dec < 9 and abs(round(res * 10 ** dec) - res * 10 ** dec) > 1e-9:
        dec += 1
    return ["%.*f" % (dec, x) for x in t]


def same_as_c(logs, run=None):
    run = run or memspike_log.open_run(logs)
    s = run.spikes()
    times, gids, pops, local = c_csv(logs)
    assert s.size == len(times), (s.size, len(times))
    assert s.size > 0
    assert np.array_equal(s["gid"], gids), "gids differ"
    assert local is None or np.array_equal(s["local_id"], local), "local ids differ"
    assert fmt_ms(s["time_ms"], run.resolution_ms) == times, "times differ"
    assert [run.population_names[p] for p in s["population"]] == pops, "populations differ"
    return run


# ------------------------------------------------------------------ v1, C

@test
def spikes_equal_replay_csv_one_rank():
    run = same_as_c(run_logs(1))
    assert run.version == 2 and run.end_tick == 3000, (run.version, run.end_tick)


V1_FIXTURE = os.path.join(ROOT, "tests", "data", "log_v1_izhikevich.msgpack")


@test
def version1_fixture_equals_replay():
    """A log the version-1 writer wrote (tests/data): spikes, counts, samples."""
    run = same_as_c([V1_FIXTURE])
    assert run.version == 1
    c, out = c_summary([V1_FIXTURE])
    assert {k: v and v[1] for k, v in run.counts().items()} == c, (run.counts(), c)
    for r in run.recorders:
        if r["kind"] == "state":
            n = int(re.search(r"recorder %s .*: (\d+) sample records" % r["name"], out).group(1))
            s = run.samples(r["name"])
            assert s.times_ms.size == n and np.all(np.isfinite(s.values)), (n, s)


@test
def counts_equal_replay_summary():
    for n in (1, 2):
        logs = run_logs(n)
        c, _ = c_summary(logs)
        py = memspike_log.open_run(logs).counts()
        assert set(c) == set(py), (c, py)
        for k, v in c.items():
            assert (py[k] is None) == (v is None), (k, v, py[k])
            assert v is None or py[k][1] == v, (k, v, py[k])
        assert c["E"] > 0 and c["I"] > 0


@test
def two_ranks_merge_like_replay_and_like_one_rank():
    logs = run_logs(2)
    run = same_as_c(logs)
    one = memspike_log.open_run(run_logs(1))
    assert np.array_equal(run.spikes().plain(), one.spikes().plain()), \
        "2 ranks do not give 1 rank's spikes"
    assert memspike_log.open_run(os.path.dirname(logs[0])).ranks == [0, 1]
    assert memspike_log.open_run(os.path.join(os.path.dirname(logs[0]),
                                              "events.rank*.msgpack")).ranks == [0, 1]
    assert os.path.exists(logs[0] + ".index")     # the sidecars are not logs
    assert memspike_log.open_run(os.path.join(os.path.dirname(logs[0]), "*")).ranks == [0, 1]
    try:
        memspike_log.open_run([logs[0], logs[0] + ".index"])
        raise AssertionError("a sidecar read as a log")
    except LogError as e:
        assert "an index sidecar (MSPKIDX1), not an event log" in str(e), e


@test
def missing_rank_refused_unless_partial():
    logs = run_logs(2)
    try:
        memspike_log.open_run(logs[1:])
        raise AssertionError("a missing rank was accepted")
    except LogError as e:
        assert "rank 0 is not given" in str(e) and logs[1] in str(e), e
    r = memspike_log.open_run(logs[1:], partial=True)
    assert r.missing_ranks == [0]
    c, _ = c_summary(logs[1:], ["--partial"])
    assert r.counts()["E"][1] == c["E"], (r.counts(), c)


@test
def other_runs_and_duplicate_ranks_refused():
    a = run_logs(1)[0]
    b = run_logs(1, seed=12)[0]
    for pair, want in (([a, b], "not logs of one run: different config digest"), ([a, a], "both the log of rank 0")):
        try:
            memspike_log.open_run(pair)
            raise AssertionError("accepted %s" % pair)
        except LogError as e:
            assert want in str(e), e


@test
def samples_with_units_over_ranks():
    for n in (1, 2):
        run = memspike_log.open_run(run_logs(n))
        s = run.samples("vm")
        assert list(s.gids) == list(range(6)) and s.variables == ["V_m", "I_syn_ex"]
        assert s.units == {"V_m": "mV", "I_syn_ex": "pA"}, s.units
        assert s.values.shape == (s.times_ms.size, 6, 2) and s.times_ms.size >= 590
        assert np.all(np.isfinite(s.values)), "gaps in the samples"
        assert np.allclose(np.diff(s.times_ms), 0.5)
        v = s.var("V_m")
        assert -80 < v.min() and v.max() <= -50 + 1e-9, (v.min(), v.max())
        _, out = c_summary(run_logs(n))
        recs = int(re.search(r"recorder vm .*: (\d+) sample records", out).group(1))
        assert recs == sum(len(f.samples[2][0]) for f in run.files), recs
        if n == 1:
            s1 = s
        else:
            assert np.array_equal(s.values, s1.values), "2 ranks sample differently"


@test
def spikes_filters_and_dataframe():
    run = memspike_log.open_run(run_logs(1))
    s = run.spikes(population="I", t_start=100, t_stop=200, neurons=(10, 40))
    assert s.size > 0
    assert np.all(s["population"] == 1) and s["time_ms"].min() >= 100
    assert s["time_ms"].max() < 200 and s["local_id"].min() >= 10 and s["local_id"].max() < 40
    assert np.all(s["gid"] == s["local_id"] + 320)
    assert s.units["time_ms"] == "ms"
    df = run.spikes_df(population=["E"])
    assert len(df) == run.counts()["E"][1]
    assert list(df.columns) == ["time_ms", "population", "local_id", "gid"]
    assert set(df["population"].unique()) == {"E"}
    try:
        run.spikes(population="X")
        raise AssertionError("unknown population accepted")
    except KeyError as e:
        assert "E, I" in str(e), e


# --------------------------------------------------------------- truncation

def c_truncation(path):
    _, out = c_summary([path])
    m = re.search(r"truncated: .*: after record (\d+) at byte (\d+)", out)
    assert m, out
    return int(m.group(1)), int(m.group(2))


@test
def truncated_copies_match_c_reader():
    src = run_logs(1)[0]
    data = open(src, "rb").read()
    cuts = sorted({len(data) * k // 7 for k in range(1, 7)} | {len(data) - 1})
    for cut in cuts:
        p = os.path.join(TMP, "cut%d.msgpack" % cut)
        with open(p, "wb") as f:
            f.write(data[:cut])
        f1 = memspike_log.read_log(p)
        k, b = c_truncation(p)
        st = f1.status
        assert st["truncated"] and (st["records"], st["good_bytes"]) == (k, b), \
            (cut, st, k, b)
        assert st["partial_bytes"] == cut - b
        same_as_c([p])


@test
def corruption_names_file_record_byte_field():
    src = run_logs(1)[0]
    data = bytearray(open(src, "rb").read())
    f = memspike_log.read_log(src)
    unp = msgpack.Unpacker(raw=False)
    unp.feed(bytes(data))
    unp.unpack()
    offs = []
    while True:
        o = unp.tell()
        try:
            r = unp.unpack()
        except msgpack.OutOfData:
            break
        offs.append((o, r))
    assert len(offs) == f.status["records"]
    # 0xc1 as a record's first byte
    i, (o, _) = 5, offs[5]
    bad = bytearray(data)
    bad[o] = 0xC1
    p = os.path.join(TMP, "c1.msgpack")
    open(p, "wb").write(bad)
    try:
        memspike_log.read_log(p)
        raise AssertionError("0xc1 accepted")
    except LogError as e:
        assert str(e).startswith("%s: record %d at byte %d:" % (p, i + 1, o)), e
    # a packed spike block (the writer's) that claims one spike more
    j = next(k for k, (_, r) in enumerate(offs) if r[0] == 6)
    o, r = offs[j]
    r[3] += 1
    end = offs[j + 1][0]
    bad = bytes(data[:o]) + msgpack.packb(r, use_bin_type=True) + bytes(data[end:])
    open(p, "wb").write(bad)
    try:
        memspike_log.read_log(p)
        raise AssertionError("a wrong nspikes accepted")
    except LogError as e:
        assert "record %d at byte %d" % (j + 1, o) in str(e) and "nspikes is %d" % r[3] in str(e), e
    # an unknown critical code
    bad = bytes(data[:o]) + msgpack.packb([33, 1]) + bytes(data[o:])
    open(p, "wb").write(bad)
    try:
        memspike_log.read_log(p)
        raise AssertionError("code 33 accepted")
    except LogError as e:
        assert "unknown record type code 33" in str(e) and "record %d" % (j + 1) in str(e), e
    # an optional record is skipped and counted
    bad = bytes(data[:o]) + msgpack.packb([70, "anything"]) + bytes(data[o:])
    open(p, "wb").write(bad)
    g = memspike_log.read_log(p)
    assert g.status["records"] == f.status["records"] + 1
    assert np.array_equal(g.spikes, f.spikes)
    # ...also when it holds a map whose key is an array (Python cannot hash
    # it; the key is ignored, as the C reader ignores keys it does not know)
    bad = bytes(data[:o]) + b"\x92\x46\x81\x90\x00" + bytes(data[o:])
    open(p, "wb").write(bad)
    g = memspike_log.read_log(p)
    assert g.status["records"] == f.status["records"] + 1
    assert c_summary([p])[0] == c_summary([src])[0]
    # a version-1 file: a spike gid that is a string; a version-2 code
    v1 = open(V1_FIXTURE, "rb").read()
    unp = msgpack.Unpacker(raw=False)
    unp.feed(v1)
    unp.unpack()
    o1 = []
    while True:
        o = unp.tell()
        try:
            o1.append((o, unp.unpack()))
        except msgpack.OutOfData:
            break
    j = next(k for k, (_, r) in enumerate(o1) if r[0] == 1)
    o, r = o1[j]
    r[4][0] = "x"
    open(p, "wb").write(v1[:o] + msgpack.packb(r) + v1[o1[j + 1][0]:])
    try:
        memspike_log.read_log(p)
        raise AssertionError("a string gid accepted")
    except LogError as e:
        assert "record %d at byte %d" % (j + 1, o) in str(e) and "gids[0]" in str(e), e
    open(p, "wb").write(v1[:o] + msgpack.packb([6, 1]) + v1[o:])
    try:
        memspike_log.read_log(p)
        raise AssertionError("code 6 accepted in version 1")
    except LogError as e:
        assert "not part of format version 1" in str(e) and "record %d" % (j + 1) in str(e), e
    # the end record's count
    o9, r9 = offs[-1]
    r9[2]["spikes"] += 1
    open(p, "wb").write(bytes(data[:o9]) + msgpack.packb(r9))
    try:
        memspike_log.read_log(p)
        raise AssertionError("a wrong end count accepted")
    except LogError as e:
        assert "end record counts" in str(e), e


# -------------------------------------------- version 2 from the C writer

_KINDS = {}


def kinds_run(nranks):
    """Logs and --json summary of tests/data/record_kinds.ini on nranks."""
    if nranks in _KINDS:
        return _KINDS[nranks]
    out = os.path.join(TMP, "kinds%d" % nranks)
    js = out + ".json"
    cmd = [BIN, "run", os.path.join(ROOT, "tests", "data", "record_kinds.ini"), "--out", out,
           "--json", js, "--quiet"]
    if nranks > 1:
        if not shutil.which("mpirun"):
            raise Skip("mpirun not installed (openmpi-bin: make deps)")
        cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(nranks)] + cmd
    sh(*cmd)
    import json
    _KINDS[nranks] = ([os.path.join(out, "events.rank%d.msgpack" % r) for r in range(nranks)],
                      json.load(open(js)))
    return _KINDS[nranks]


@test
def writer_v2_weights_devices_energy_add_up():
    """The C writer's codes 4, 5, 7 (record_kinds.ini): totals equal the run's
    summary, and 2 ranks give 1 rank's snapshots, writes and energy."""
    logs, js = kinds_run(1)
    run = same_as_c(logs)
    assert run.version == 2 and [q["name"] for q in run.projections] == ["drive_inputs", "plastic"]
    e, d, w = run.energy(), run.devices(), run.weights()
    plastic = e[e["component"] == 1]
    assert int(plastic["reads"].sum()) == js["device_reads"]
    assert int(plastic["pulses"].sum()) == js["device_pulses"]
    assert int(plastic["updates"].sum()) == js["stdp_updates"]
    assert abs(e["read_pj"].sum() - js["read_energy_pj"]) < 1e-6 * js["read_energy_pj"]
    assert abs(e["write_pj"].sum() - js["write_energy_pj"]) < 1e-6 * js["write_energy_pj"]
    assert int(np.abs(d["pulses"]).sum()) == js["device_pulses"] and d.units["g"] == "uS"
    assert np.all(d["projection"] == 1) and np.all(np.diff(d["time_ms"]) >= 0)
    full = w[w["recorder"] == run.recorder_index("w")]
    assert full.size == 200 * np.unique(full["time_ms"]).size and w.units["weight"] == "pA"
    assert np.all(np.isfinite(full["g"]))                       # device projection: g
    drv = w[w["recorder"] == run.recorder_index("w_drive")]
    assert 0 < drv.size and np.all(np.isnan(drv["g"]))           # static: no g
    logs2, _ = kinds_run(2)
    run2 = memspike_log.open_run(logs2)
    for a, b in ((run2.weights(), w), (run2.devices(), d)):
        assert a.dtype == b.dtype and a.size == b.size
        for k in a.dtype.names:        # g is NaN for static projections
            assert np.array_equal(a[k], b[k], equal_nan=a.dtype[k].kind == "f"), k
    e2 = run2.energy()
    for k in ("reads", "pulses", "updates"):
        assert e2[e2["component"] == 1][k].sum() == plastic[k].sum(), k


# --------------------------------------------------------------------- neo

@test
def neo_block_counts_units_and_round_trip():
    import neo
    import quantities as pq
    run = memspike_log.open_run(run_logs(2))
    blk = run.to_neo()
    seg, = blk.segments
    counts = run.counts()
    assert len(seg.spiketrains) == 250 + 80, len(seg.spiketrains)
    by_pop = {}
    for st in seg.spiketrains:
        by_pop[st.annotations["population"]] = by_pop.get(st.annotations["population"], 0) + len(st)
        assert st.units == pq.ms and float(st.t_stop.rescale(pq.ms)) == run.t_stop_ms
        assert st.annotations["gid"] == st.annotations["local_id"] + (
            320 if st.annotations["population"] == "I" else 0)
    assert by_pop == {"E": counts["E"][1], "I": counts["I"][1]}, (by_pop, counts)
    sigs = {s.name: s for s in seg.analogsignals}
    assert set(sigs) == {"vm.V_m", "vm.I_syn_ex"}, set(sigs)
    assert sigs["vm.V_m"].units == pq.mV and sigs["vm.I_syn_ex"].units == pq.pA
    assert sigs["vm.V_m"].shape[1] == 6
    assert float(sigs["vm.V_m"].sampling_period.rescale(pq.ms)) == 0.5
    ios = [("pickle", neo.io.PickleIO, "blk.pkl")]
    try:
        import nixio  # noqa: F401
        ios.append(("nix", neo.io.NixIO, "blk.nix"))
    except ImportError:
        pass
    for _, cls, name in ios:
        p = os.path.join(TMP, name)
        io_ = cls(p) if cls is not neo.io.NixIO else cls(p, mode="ow")
        io_.write_block(blk)
        if hasattr(io_, "close"):
            io_.close()
        back = (cls(p) if cls is not neo.io.NixIO else cls(p, mode="ro")).read_block()
        s2 = back.segments[0]
        assert sum(len(s) for s in s2.spiketrains) == counts["E"][1] + counts["I"][1]
        assert all(s.units == pq.ms for s in s2.spiketrains)
        u = {s.name: s.units for s in s2.analogsignals}
        assert u["vm.V_m"] == pq.mV and u["vm.I_syn_ex"] == pq.pA, u
        assert np.array_equal(np.asarray(s2.analogsignals[0]), np.asarray(seg.analogsignals[0]))


# ------------------------------------------------------- version 2, synthetic

@test
def varints():
    vals = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 32 - 1, 2 ** 63, 2 ** 64 - 1]
    b = _varint.pack(vals)
    assert list(_varint.decode(b)) == vals
    assert _varint.pack([300]) == b"\xac\x02" and len(_varint.pack([2 ** 64 - 1])) == 10
    for bad, want in ((b"\x80" * 10 + b"\x01", "longer than 10"), (b"\x01\x80", "cut off"),
                      (b"\xff" * 9 + b"\x02", "exceeds 2^64")):
        try:
            _varint.decode(bad)
            raise AssertionError("accepted %r" % bad)
        except _varint.VarintError as e:
            assert want in str(e), e


@test
def v2_decodes_every_kind():
    recs = v2_records()
    p = write_log(os.path.join(TMP, "v2.msgpack"), v2_header(), recs)
    run = memspike_log.open_run(p)
    assert run.version == 2 and [q["name"] for q in run.projections] == ["AB", "BB"]
    want = [(t, g) for w, ts, gs in synth_spikes(1) for t, g in zip(ts, gs)]
    s = run.spikes()
    assert s.size == len(want) > 500
    assert [(int(round(t * 10)), int(g)) for t, g in zip(s["time_ms"], s["gid"])] == want
    assert s["gid"].max() >= 100000, "large gids (3-byte varints) not exercised"
    # the same spikes as a version-1 log of them
    p1 = write_log(os.path.join(TMP, "v1eq.msgpack"), v2_header(version=1), v1_equivalent(recs))
    assert np.array_equal(memspike_log.open_run(p1).spikes().plain(), s.plain())
    w = run.weights()
    assert w.size == 5 * 4 and w.units["weight"] == "pA" and w.units["g"] == "uS"
    assert list(np.unique(w["time_ms"])) == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert w[0]["weight"] == 0.5 and w[0]["g"] == 1e-3
    d = run.devices()
    assert d.size == 17 * 3 and d.units["g"] == "uS"
    assert list(d["pulses"][:3]) == [2, -1, 1] and np.allclose(d["time_ms"][:3], [0, 0.3, 0.3])
    e = run.energy()
    assert e.units["read_pj"] == "pJ"
    assert run.component_names() == ["AB", "BB", "A", "B", "transport"]
    assert e.size == 150 and e[e["component"] == 0]["read_pj"].sum() == 0.5 * sum(range(50))
    assert e[e["component"] == 4]["reads"].sum() == 12 * 50
    assert run.end_tick == 500 and not run.truncated


@test
def v2_ranks_merge_and_energy_sums():
    p = [write_log(os.path.join(TMP, "v2r%d.msgpack" % r), v2_header(r, 2), v2_records(1, r))
         for r in range(2)]
    run = memspike_log.open_run(p)
    s = run.spikes()
    want = sorted((t, g) for r in range(2) for w, ts, gs in synth_spikes(1 + r)
                  for t, g in zip(ts, gs))
    assert [(int(round(t * 10)), int(g)) for t, g in zip(s["time_ms"], s["gid"])] == want
    e = run.energy()
    assert e.size == 150 and e[e["component"] == 2]["updates"].sum() == 2 * 40 * 50
    assert run.energy(per_rank=True).size == 300
    w = run.weights()
    assert w.size == 40 and np.all(np.diff(w["time_ms"]) >= 0)


@test
def v2_truncation_at_every_byte():
    recs = v2_records()[:25]
    full = open(write_log(os.path.join(TMP, "v2t.msgpack"), v2_header(), recs), "rb").read()
    hlen = len(msgpack.packb(v2_header(), use_bin_type=True))
    ends = np.cumsum([hlen] + [len(msgpack.packb(r, use_bin_type=True)) for r in recs])
    p = os.path.join(TMP, "v2cut.msgpack")
    prev = -1
    for cut in range(hlen, len(full)):
        open(p, "wb").write(full[:cut])
        f = memspike_log.read_log(p)
        k = int(np.searchsorted(ends, cut, side="right")) - 1   # whole records
        assert f.status["records"] == k and f.status["good_bytes"] == ends[k], (cut, f.status)
        assert f.status["truncated"] and f.status["partial_bytes"] == cut - ends[k]
        assert f.spikes.size >= prev
        prev = f.spikes.size
    try:
        open(p, "wb").write(full[:hlen - 1])
        memspike_log.read_log(p)
        raise AssertionError("a cut header accepted")
    except LogError as e:
        assert "header incomplete" in str(e), e


@test
def v2_bad_records_named():
    h = v2_header()
    good = pack6(20, [10, 10, 12], [3, 150, 7])
    cases = [
        ([6, 20, 10, 4, good[4]], "nspikes is 4, the payload holds 3"),
        ([6, 20, 10, 3, good[4] + b"\x05"], "has no count"),
        ([6, 20, 10, 3, good[4][:-1] + b"\x87"], "cut off"),
        ([6, 20, 10, 3, b"\x80" * 11 + b"\x00"], "longer than 10"),
        ([6, 20, 10, 1, _varint.pack([0, 1, 2 ** 32])], "exceeds 2^32 - 1"),
        ([6, 20, 10, 1, _varint.pack([0, 1, 999999])], "names no neuron"),
        ([6, 20, 10, 1, _varint.pack([15, 1, 2])], "not in [base_tick 10, window_end 20)"),
        ([6, 20, 10, 2, _varint.pack([0, 2, 5, 0])], None),      # duplicate: allowed
        ([6, 20, 10, 2, _varint.pack([0, 2, 5])], "runs past the payload"),
        ([6, 20, 10, 3, "text"], "must be a bin"),
        ([7, 10, 0, [1], [2], [0.5], []], "index of a weights recorder"),
        ([7, 10, 2, [1], [2, 3], [0.5], []], "equal length"),
        ([7, 5, 2, [1], [2], [0.5], []], "tick 5 lies before the previous window end 10"),
        ([4, 20, 9, 10, [0], [1], [2], [1], [0.1]], "projection index < 2"),
        ([4, 20, 0, 10, [0], [1], [2], ["x"], [0.1]], "pulses[0] must be an int32"),
        ([5, 20, [[5, 0, 0, 0, 0, 0.0, 0.0]]], "component must be ascending and < 5"),
        ([5, 20, [[0, -1, 0, 0, 0, 0.0, 0.0]]], "reads must be an unsigned integer"),
    ]
    p = os.path.join(TMP, "v2bad.msgpack")
    hlen = len(msgpack.packb(h, use_bin_type=True))
    for rec, want in cases:
        write_log(p, h, [[3, 10], rec])
        try:
            memspike_log.read_log(p)
            assert want is None, "accepted %r" % (rec,)
        except LogError as e:
            assert want is not None, e
            off = hlen + len(msgpack.packb([3, 10]))
            assert ("%s: record 2 at byte %d:" % (p, off)) in str(e) and want in str(e), \
                (rec, str(e))
    end = [9, 10, {"spikes": 0, "samples": 0, "windows": 1, "devices": 0, "energy": 1,
                   "weights": 0}]
    write_log(p, h, [[3, 10], end])
    try:
        memspike_log.read_log(p)
        raise AssertionError("a wrong energy count accepted")
    except LogError as e:
        assert "end record counts 0 device-write, 1 energy and 0 weight records, the file " \
            "holds 0, 0 and 0" in str(e), e
    del end[2]["weights"]
    write_log(p, h, [[3, 10], end])
    try:
        memspike_log.read_log(p)
        raise AssertionError("a version-2 end record without weights accepted")
    except LogError as e:
        assert 'summary field "weights" must be an unsigned integer' in str(e), e
    bad = v2_header()
    bad["recorders"][2]["sample"] = 1.5
    try:
        write_log(p, bad, [])
        memspike_log.read_log(p)
        raise AssertionError("sample 1.5 accepted")
    except LogError as e:
        assert 'recorders[2] (W): field "sample" must be a number in (0, 1]' in str(e), e
    for v in (3, 0):
        try:
            write_log(p, v2_header(version=v), [])
            memspike_log.read_log(p)
            raise AssertionError("version %d accepted" % v)
        except LogError as e:
            assert "knows versions 1 and 2" in str(e), e


# -------------------------------------------------------------------- plots

def png_size(path):
    with open(path, "rb") as f:
        b = f.read(33)
    assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG: %r" % b[:8]
    assert b[12:16] == b"IHDR"
    return struct.unpack(">II", b[16:24]), os.path.getsize(path)


def plot(*args, want=0):
    r = sh(BIN, "plot", *args, check=False)
    assert r.returncode == want, "memspike plot %s: exit %d, wanted %d\n%s%s" % (
        " ".join(args), r.returncode, want, r.stdout, r.stderr)
    return r


@test
def plots_of_every_kind_are_pngs():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise Skip("python3-matplotlib not installed: make deps")
    logs = run_logs(2)
    v2 = write_log(os.path.join(TMP, "v2p.msgpack"), v2_header(), v2_records())
    kinds, _ = kinds_run(2)
    out = os.environ.get("PYLOG_PLOTS") or TMP
    jobs = [("raster", logs, []), ("rates", logs, ["--bin", "2"]), ("isi", logs, []),
            ("vm", logs, ["--from", "50", "--to", "150"]), ("weights", kinds, []),
            ("energy", kinds, []),
            ("raster", logs, ["--population", "I", "--from", "100", "--to", "200",
                              "--neurons", "0:40", "--title", "I, 100-200 ms"]),
            ("weights", [v2], []), ("energy", [v2], [])]
    for k, (kind, lg, extra) in enumerate(jobs):
        png = os.path.join(out, "plot_%s%s.png" % (kind, "_filtered" if k == 6 else
                                                    "_synthetic" if k > 6 else ""))
        r = plot(kind, *lg, "--out", png, *extra)
        assert "wrote " + png in r.stdout, r.stdout
        (w, h), size = png_size(png)
        assert (w, h) in ((900, 550), (900, 650)) and size > 15000, (kind, w, h, size)


@test
def plot_errors():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise Skip("python3-matplotlib not installed: make deps")
    log = run_logs(1)
    png = os.path.join(TMP, "x.png")
    r = plot("raster", *log, "--out", png, "--from", "1000", "--to", "2000", want=1)
    assert "empty time window" in r.stderr, r.stderr
    r = plot("raster", *log, "--out", png, "--population", "I", "--neurons", "90:100", want=1)
    assert "no spikes in the selection (population I, neurons 90:100)" in r.stderr, r.stderr
    r = plot("weights", *log, "--out", png, want=1)
    assert "has no weight records: add [record] kind = weights" in r.stderr, r.stderr
    r = plot("energy", *log, "--out", png, want=1)
    assert "has no energy records: add [record] kind = energy" in r.stderr, r.stderr
    r = plot("raster", *log, "--out", png, "--population", "Z", want=1)
    assert "no population 'Z'" in r.stderr, r.stderr
    r = plot("raster", *log, "--out", png, "--neurons", "5", want=2)
    assert "expected A:B" in r.stderr, r.stderr
    r = plot("frobnicate", *log, "--out", png, want=2)
    assert "invalid choice: 'frobnicate'" in r.stderr, r.stderr
    r = plot("raster", *log, want=2)
    assert "--out" in r.stderr, r.stderr
    r = plot("raster", *log, "--out", os.path.join(TMP, "x.txt"), want=2)
    assert "image type" in r.stderr, r.stderr
    r = plot("raster", os.path.join(TMP, "nope.msgpack"), "--out", png, want=1)
    assert "nope.msgpack: cannot open" in r.stderr, r.stderr
    r = plot("raster", *log, "--out", os.path.join(TMP, "no", "dir", "x.png"), want=1)
    assert "cannot write" in r.stderr, r.stderr
    env = dict(os.environ, MEMSPIKE_PYTHON=os.path.join(TMP, "no-python"))
    r = sh(BIN, "plot", "raster", *log, "--out", png, check=False, env=env)
    assert r.returncode == 1 and "cannot run" in r.stderr and "MEMSPIKE_PYTHON" in r.stderr, \
        r.stderr
    # a Python without matplotlib: a clear message, exit 1
    fake = os.path.join(TMP, "fakepy")
    os.makedirs(os.path.join(fake, "matplotlib"), exist_ok=True)
    with open(os.path.join(fake, "matplotlib", "__init__.py"), "w") as f:
        f.write("raise ImportError('no matplotlib here')\n")
    env = dict(os.environ, PYTHONPATH=fake)
    r = sh(BIN, "plot", "raster", *log, "--out", png, check=False, env=env)
    assert r.returncode == 1 and "needs matplotlib" in r.stderr, (r.returncode, r.stderr)
    assert not os.path.exists(png)


# ------------------------------------------------------------ sidecar seek

import pylog_seek  # noqa: E402  (its tests, registered here: see that file)
pylog_seek.register(sys.modules[__name__])


def main(argv):
    global BIN
    if "--bin" in argv:
        BIN = os.path.abspath(argv[argv.index("--bin") + 1])
    strict = os.environ.get("MEMSPIKE_TEST_STRICT", "0") not in ("", "0")
    passed = failed = skipped = 0
    for fn in TESTS:
        try:
            fn()
            passed += 1
            print("ok   %s" % fn.__name__)
        except Skip as e:
            if strict:
                failed += 1
                print("FAIL %s (skipped under MEMSPIKE_TEST_STRICT=1: %s)" % (fn.__name__, e))
            else:
                skipped += 1
                print("skip %s (%s)" % (fn.__name__, e))
        except Exception:  # noqa: BLE001
            failed += 1
            print("FAIL %s" % fn.__name__)
            traceback.print_exc()
    shutil.rmtree(TMP, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
