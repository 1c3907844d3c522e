#!/usr/bin/python3
"""check_monitor.py WHAT ARGS...: the checks of tests/monitor.sh that read
JSON, PNG or Prometheus answers.  Prints "ok ..." lines, or "FAIL ..."
lines and exits 1.
  during STATUS.json SUMMARY.json     a snapshot taken during the run
  final STATUS.json SUMMARY.json METRICS.txt   the snapshot after the end
  spikes SPIKES.json STATUS.json      /spikes?since=0: bounded, ordered, sampled gids
  prom QUERY.json SUMMARY.json        Prometheus' answer for memspike_spikes_total
  raster PAGE.png                     the screenshot's raster canvas is not empty
  convert STATUS.json RESULTS.json    convert's last snapshot against its results
"""
import json
import sys

fails = []


def check(cond, what):
    print(("ok " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def load(p):
    with open(p) as f:
        return json.load(f)


def pops(d):
    return {p["name"]: p for p in d["populations"]}


what = sys.argv[1]
if what in ("during", "final"):
    st, sm = load(sys.argv[2]), load(sys.argv[3])
    for k in ("config", "seed", "ranks"):
        check(st[k] == sm[k], "%s: %s %r == summary %r" % (what, k, st[k], sm[k]))
    check(set(pops(st)) == set(pops(sm)), "%s: same populations" % what)
    for n, p in pops(st).items():
        q = pops(sm)[n]
        check(p["neurons"] == q["neurons"], "%s: %s neurons" % (what, n))
        if what == "during":
            check(p["spikes"] <= q["spikes"], "%s: %s spikes %d <= final %d" % (what, n, p["spikes"], q["spikes"]))
        else:
            check(p["spikes"] == q["spikes"], "%s: %s spikes %d == summary" % (what, n, p["spikes"]))
            check(abs(p["rate_hz"] - q["rate_hz"]) <= 1e-9 * max(1, q["rate_hz"]), "%s: %s rate_hz" % (what, n))
    if what == "during":
        check(st["state"] == "running", "during: state running")
        check(0 < st["simulated_ms"] < sm["simulated_ms"], "during: 0 < simulated_ms %g < %g" % (st["simulated_ms"], sm["simulated_ms"]))
        check(0 < st["percent"] < 100, "during: percent %g" % st["percent"])
        check(st["eta_s"] > 0 and st["real_time_factor"] > 0, "during: ETA and RTF > 0")
        check(st["syn_events"] <= sm["syn_events"], "during: syn_events <= final")
    else:
        check(st["state"] == "done", "final: state done")
        check(st["simulated_ms"] == sm["simulated_ms"], "final: simulated_ms == summary")
        check(st["percent"] == 100, "final: percent 100")
        for k in ("syn_events", "ext_events"):
            check(st[k] == sm[k], "final: %s %d == summary" % (k, st[k]))
        check(st["spikes"] == sm["spikes_emitted"], "final: spikes == spikes_emitted")
        check(len(st["peak_rss_mb"]) == sm["ranks"] and all(m > 0 for m in st["peak_rss_mb"]), "final: memory of every rank")
        e = st["energy"]
        check(abs(e["read_pj"] - sm["read_energy_pj"]) <= 1e-8 * max(1, sm["read_energy_pj"]) and
              abs(e["write_pj"] - sm["write_energy_pj"]) <= 1e-8 * max(1, sm["write_energy_pj"]), "final: energy == summary (its 9 digits)")
        check(len(st["history"]["t_ms"]) > 0, "final: rate history")
        met = open(sys.argv[4]).read().splitlines()
        tot = sum(float(l.split()[-1]) for l in met if l.startswith("memspike_spikes_total{"))
        check(tot == sm["spikes_emitted"], "final: /metrics memspike_spikes_total sums to %d" % sm["spikes_emitted"])
        ranks = {l.split('rank="')[1].split('"')[0] for l in met if l.startswith("memspike_spikes_total{")}
        check(len(ranks) == sm["ranks"], "final: memspike_spikes_total labelled by rank (%d)" % len(ranks))
        check("# TYPE memspike_spikes_total counter" in met, "final: memspike_spikes_total is a counter")
elif what == "spikes":
    sp, st = load(sys.argv[2]), load(sys.argv[3])
    s = sp["spikes"]
    check(0 < len(s) <= 10000, "spikes: %d sampled spikes, at most 10000" % len(s))
    check(all(s[k][0] <= s[k + 1][0] for k in range(len(s) - 1)), "spikes: in tick order")
    check(all(0 <= t < sp["until"] for t, g in s), "spikes: ticks below until")
    ok = True
    for t, g in s:
        ok = ok and any(p["first_gid"] <= g < p["first_gid"] + p["sampled"] for p in st["populations"])
    check(ok, "spikes: every gid among the sampled neurons")
    # A network that fires steadily leaves no hole in the sample: an
    # interval with more sampled spikes than a gather carries is thinned
    # evenly, not cut (the largest gap of ~n random times is ~ln n times
    # the mean gap; 50 times is a lost stretch, not chance).
    ticks = [t for t, g in s]
    mean_gap = (ticks[-1] - ticks[0]) / max(len(ticks) - 1, 1)
    gap = max((b - a for a, b in zip(ticks, ticks[1:])), default=0)
    check(gap <= 50 * mean_gap + 1, "spikes: no hole (largest gap %d ticks, mean %.2f)"
          % (gap, mean_gap))
elif what == "prom":
    q, sm = load(sys.argv[2]), load(sys.argv[3])
    res = q.get("data", {}).get("result", [])
    check(q.get("status") == "success" and len(res) > 0, "prometheus: query answered with %d series" % len(res))
    names = {r["metric"].get("population") for r in res}
    check(names == {p["name"] for p in sm["populations"]}, "prometheus: one series per population %s" % sorted(names))
    tot = sum(float(r["value"][1]) for r in res)
    check(0 < tot <= sm["spikes_emitted"], "prometheus: scraped total %g in (0, %d]" % (tot, sm["spikes_emitted"]))
elif what == "raster":
    from PIL import Image
    im = Image.open(sys.argv[2]).convert("RGB")
    W, H = im.size
    px = im.load()
    # Canvases have a 1-px #ccc border: the first box found top-down is the raster.
    border = (204, 204, 204)
    top = next((y for y in range(H) if sum(px[x, y] == border for x in range(0, W, 4)) > W // 8), None)
    check(top is not None, "raster: canvas found in the screenshot (%dx%d)" % (W, H))
    if top is not None:
        xs = [x for x in range(W) if px[x, top] == border]
        x0, x1 = xs[0], xs[-1]
        y1 = next(y for y in range(top + 2, H) if px[x0 + 5, y] == border and px[(x0 + x1) // 2, y] == border)
        colors = {(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189)}
        n = sum(1 for y in range(top + 1, y1) for x in range(x0 + 1, x1) if px[x, y] in colors)
        area = (y1 - top) * (x1 - x0)
        check(n > 200, "raster: %d spike pixels in the %dx%d raster canvas (%.1f %%)" % (n, x1 - x0, y1 - top, 100.0 * n / area))
elif what == "convert":
    st, res = load(sys.argv[2]), load(sys.argv[3])
    check(st["kind"] == "convert" and st["state"] == "done", "convert: last snapshot is done")
    check(st["images_done"] == st["images"] == res["images"], "convert: images done %d == %d" % (st["images_done"], res["images"]))
    check(abs(st["snn_accuracy"] - res["snn_accuracy"][-1]) < 1e-9, "convert: SNN accuracy %g == results" % st["snn_accuracy"])
    check(abs(st["ann_accuracy"] - res["ann_accuracy"]) < 1e-9, "convert: ANN accuracy == results")
else:
    sys.exit("check_monitor.py: unknown check " + what)
sys.exit(1 if fails else 0)
