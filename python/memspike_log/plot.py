"""plot.py: `memspike plot KIND LOG... --out FILE.png` (the C command runs
this through tools/memspike_plot.py with /usr/bin/python3 or
$MEMSPIKE_PYTHON).  Kinds:

  raster   spikes: time (ms) against gid, a colour per population
  rates    population rate (Hz) over time in bins of --bin MS
  isi      histogram of inter-spike intervals (ms) per population
  vm       sampled state variables (mV, pA, ...) of a few recorded neurons
  weights  weight snapshots: mean +- sd over time and the first/last
           distribution (needs [record] kind = weights)
  energy   device energy per component over time (pJ), stacked
           (needs [record] kind = energy)

Exit status 0; 1 for a bad log or a log without what the plot needs, an
empty selection or a missing matplotlib; 2 for bad usage.
"""
import argparse
import os
import sys

import numpy as np

from .reader import LogError
from .run import open_run

KINDS = ("raster", "rates", "isi", "vm", "weights", "energy")
PROG = "memspike plot"


class PlotError(Exception):
    """A plot that cannot be drawn (exit 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write("%s: %s\n%s" % (PROG, message, self.format_usage()))
        sys.exit(2)


def _neurons(s):
    try:
        a, b = s.split(":")
        a, b = int(a), int(b)
    except ValueError:
        raise argparse.ArgumentTypeError("expected A:B (local ids, A < B), got %r" % s)
    if not 0 <= a < b:
        raise argparse.ArgumentTypeError("expected A:B with 0 <= A < B, got %r" % s)
    return a, b


def _ms(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a time in ms, got %r" % s)
    if not (v >= 0 and np.isfinite(v)):
        raise argparse.ArgumentTypeError("expected a time in ms >= 0, got %r" % s)
    return v


def _bin(s):
    v = _ms(s)
    if v <= 0:
        raise argparse.ArgumentTypeError("expected a bin width in ms > 0, got %r" % s)
    return v


def parser():
    p = _Parser(prog=PROG, description="Plot a memspike run's event logs (matplotlib).",
                epilog="Exit status: 0 success; 1 bad log, missing records, empty "
                       "selection or no matplotlib; 2 bad usage.")
    p.add_argument("kind", choices=KINDS, help="what to plot")
    p.add_argument("logs", nargs="+", metavar="LOG", help="event logs of one run (every rank)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="image to write")
    p.add_argument("--population", action="append", metavar="P",
                   help="only population P (repeat or P1,P2)")
    p.add_argument("--from", dest="t_from", type=_ms, metavar="MS", help="start (ms)")
    p.add_argument("--to", dest="t_to", type=_ms, metavar="MS", help="end (ms, exclusive)")
    p.add_argument("--neurons", type=_neurons, metavar="A:B",
                   help="local ids [A, B) of each population")
    p.add_argument("--bin", type=_bin, metavar="MS", help="bin width (rates: 5 ms; isi: auto)")
    p.add_argument("--title", help="figure title")
    p.add_argument("--partial", action="store_true", help="accept a subset of the ranks")
    return p


def colours(n):
    import matplotlib
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _selection(args):
    what = []
    if args.population:
        what.append("population " + ",".join(args.pops))
    if args.t_from is not None or args.t_to is not None:
        what.append("%s-%s ms" % ("0" if args.t_from is None else "%g" % args.t_from,
                                  "end" if args.t_to is None else "%g" % args.t_to))
    if args.neurons:
        what.append("neurons %d:%d" % args.neurons)
    return " (" + ", ".join(what) + ")" if what else ""


def _window(run, args):
    t0 = run.t_start_ms if args.t_from is None else max(args.t_from, run.t_start_ms)
    t1 = run.t_stop_ms if args.t_to is None else min(args.t_to, run.t_stop_ms)
    if t1 <= t0:
        raise PlotError("empty time window: --from %g ms is not before %g ms (the run's logs "
                        "cover [%g, %g) ms)" % (t0, t1, run.t_start_ms, run.t_stop_ms))
    return t0, t1


def _pop_indices(run, args):
    if not args.pops:
        return list(range(len(run.populations)))
    try:
        return [run.population_index(p) for p in args.pops]
    except KeyError as e:
        raise PlotError(e.args[0]) from None


def _spikes(run, args):
    t0, t1 = _window(run, args)
    pops = _pop_indices(run, args)
    s = run.spikes(population=pops, t_start=t0, t_stop=t1, neurons=args.neurons)
    if s.size == 0:
        raise PlotError("no spikes in the selection%s" % _selection(args))
    return s, pops, t0, t1


def _n_recorded(run, p, neurons):
    ids = run.recorded_neurons(p)
    if neurons:
        ids = ids[(ids >= neurons[0]) & (ids < neurons[1])]
    return ids.size


def plot_raster(run, args, ax, col):
    s, pops, t0, t1 = _spikes(run, args)
    size = 5.0 if s.size < 5000 else 1.5 if s.size < 50000 else 0.3
    for p in pops:
        m = s["population"] == p
        if m.any():
            ax.scatter(s["time_ms"][m], s["gid"][m], s=size, color=col[p], marker="o",
                       linewidths=0, label="%s (%d spikes)" % (run.population_names[p], m.sum()))
    ax.set_xlim(t0, t1)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron (gid)")
    return "%d spikes" % s.size


def plot_rates(run, args, ax, col):
    s, pops, t0, t1 = _spikes(run, args)
    width = args.bin or 5.0
    edges = np.arange(t0, t1 + width * 0.5, width)
    if edges.size < 2 or edges[-1] < t1 - 1e-9:
        edges = np.append(edges, t1) if edges.size else np.array([t0, t1])
    drawn = 0
    for p in pops:
        n = _n_recorded(run, p, args.neurons)
        if n == 0:
            continue
        c, _ = np.histogram(s["time_ms"][s["population"] == p], bins=edges)
        rate = c / (n * np.diff(edges) * 1e-3)
        ax.stairs(rate, edges, color=col[p], linewidth=1.2,
                  label="%s (%d neurons, mean %.2f Hz)" % (run.population_names[p], n,
                                                           c.sum() / (n * (t1 - t0) * 1e-3)))
        drawn += 1
    if not drawn:
        raise PlotError("no spike-recorded neurons in the selection%s" % _selection(args))
    ax.set_xlim(t0, t1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("population rate (Hz, %g ms bins)" % width)
    return "%d bins of %g ms" % (edges.size - 1, width)


def _nice(x):
    """1, 2 or 5 times a power of ten, >= x."""
    e = 10.0 ** np.floor(np.log10(x))
    return next(m * e for m in (1, 2, 5, 10) if m * e >= x * (1 - 1e-9))


def plot_isi(run, args, ax, col):
    s, pops, t0, t1 = _spikes(run, args)
    isis = {}
    for p in pops:
        m = s[s["population"] == p]
        if m.size < 2:
            continue
        o = np.lexsort((m["time_ms"], m["local_id"]))
        ids, t = m["local_id"][o], m["time_ms"][o]
        same = ids[1:] == ids[:-1]
        d = np.diff(t)[same]
        if d.size:
            isis[p] = d
    if not isis:
        raise PlotError("no neuron with two spikes in the selection%s: no intervals"
                        % _selection(args))
    allv = np.concatenate(list(isis.values()))
    hi = max(float(np.percentile(allv, 99.5)), run.resolution_ms)
    width = args.bin or max(run.resolution_ms, _nice(hi / 60))
    edges = np.arange(0, hi + width, width)
    for p, d in isis.items():
        ax.hist(d, bins=edges, histtype="step", color=col[p], linewidth=1.3,
                label="%s (%d intervals, mean %.1f ms, CV %.2f)"
                % (run.population_names[p], d.size, d.mean(), d.std() / d.mean()
                   if d.mean() > 0 else 0))
    ax.set_xlim(0, edges[-1])
    ax.set_xlabel("inter-spike interval (ms, %g ms bins)" % width)
    ax.set_ylabel("intervals (count)")
    return "%d intervals" % allv.size


def plot_vm(run, args, fig, col):
    t0, t1 = _window(run, args)
    pops = _pop_indices(run, args)
    recs = [i for i, r in enumerate(run.recorders) if r["kind"] == "state"
            and r["population"] in pops]
    if not recs:
        raise PlotError("%s has no state recorder%s: add [record] kind = multimeter"
                        % (run.files[0].path, " of the selected populations" if args.pops
                           else ""))
    panels = []             # (samples, variable, columns)
    for ri in recs:
        sm = run.samples(ri)
        keep = (sm.times_ms >= t0) & (sm.times_ms < t1)
        cols = np.arange(sm.gids.size)
        if args.neurons:
            cols = cols[(sm.local_ids >= args.neurons[0]) & (sm.local_ids < args.neurons[1])]
        cols = cols[:5] if not args.neurons else cols[:20]
        if not keep.any() or cols.size == 0:
            continue
        for vi, v in enumerate(sm.variables):
            panels.append((sm, keep, vi, v, cols))
    if not panels:
        raise PlotError("no samples in the selection%s" % _selection(args))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    import matplotlib
    for ax, (sm, keep, vi, v, cols) in zip(axes, panels):
        # one colour per neuron (the population is in the panel's title)
        cmap = matplotlib.colormaps["tab10" if len(cols) <= 10 else "tab20"]
        for k, c in enumerate(cols):
            ax.plot(sm.times_ms[keep], sm.values[keep, c, vi], color=cmap(k % cmap.N),
                    linewidth=0.9, label="%s[%d]" % (sm.population, sm.local_ids[c]))
        unit = sm.units.get(v, "")
        ax.set_ylabel("%s (%s)" % (v, unit) if unit else v)
        ax.set_title("recorder %s: %s of %s" % (sm.name, v, sm.population), fontsize=9)
        ax.legend(fontsize=7, loc="upper right", ncol=min(len(cols), 5))
        ax.set_xlim(t0, t1)
    axes[-1].set_xlabel("time (ms)")
    return "%d panel%s" % (len(panels), "" if len(panels) == 1 else "s")


def plot_weights(run, args, fig, col):
    t0, t1 = _window(run, args)
    w = run.weights(t_start=t0, t_stop=t1)
    if w.size == 0 and run.weights().size == 0:
        raise PlotError("%s has no weight records: add [record] kind = weights (projection, "
                        "interval) to the config" % run.files[0].path)
    if w.size == 0:
        raise PlotError("no weight snapshots in the selection%s" % _selection(args))
    unit = w.units.get("weight", "")
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    recs = np.unique(w["recorder"])
    for k, ri in enumerate(recs):
        r = run.recorders[int(ri)]
        proj = run.projections[r["projection"]] if r.get("projection", 0) < len(
            run.projections) else {"name": "?", "target": 0}
        c = col[proj.get("target", 0)] if len(recs) == 1 else colours(len(recs) + 3)[k + 3]
        m = w[w["recorder"] == ri]
        ts = np.unique(m["time_ms"])
        idx = np.searchsorted(ts, m["time_ms"])
        n = np.bincount(idx, minlength=ts.size)
        mean = np.bincount(idx, weights=m["weight"], minlength=ts.size) / n
        sd = np.sqrt(np.maximum(np.bincount(idx, weights=m["weight"] ** 2, minlength=ts.size)
                                / n - mean ** 2, 0))
        label = "%s: projection %s (%d synapses)" % (r["name"], proj["name"], n[0])
        ax1.plot(ts, mean, color=c, marker="o" if ts.size < 30 else None, label=label)
        ax1.fill_between(ts, mean - sd, mean + sd, color=c, alpha=0.25, linewidth=0)
        first, last = m["weight"][idx == 0], m["weight"][idx == ts.size - 1]
        edges = np.histogram_bin_edges(np.concatenate([first, last]), bins=40)
        ax2.hist(first, bins=edges, histtype="step", color=c, linestyle="--",
                 label="%s at %g ms" % (r["name"], ts[0]))
        ax2.hist(last, bins=edges, histtype="stepfilled", color=c, alpha=0.45,
                 label="%s at %g ms" % (r["name"], ts[-1]))
    ax1.set_xlabel("time (ms)")
    ax1.set_ylabel("weight (%s), mean +- sd" % unit if unit else "weight, mean +- sd")
    ax1.legend(fontsize=8)
    ax2.set_xlabel("weight (%s)" % unit if unit else "weight")
    ax2.set_ylabel("synapses (count)")
    ax2.legend(fontsize=8)
    return "%d snapshots" % np.unique(w["time_ms"]).size


def plot_energy(run, args, ax, col):
    t0, t1 = _window(run, args)
    e = run.energy(t_start=t0, t_stop=t1)
    if e.size == 0 and run.energy().size == 0:
        raise PlotError("%s has no energy records: add [record] kind = energy to the config"
                        % run.files[0].path)
    if e.size == 0:
        raise PlotError("no energy records in the selection%s" % _selection(args))
    names = run.component_names()
    pj = e["read_pj"] + e["write_pj"]
    ts = np.unique(e["time_ms"])
    comps = [c for c in np.unique(e["component"]) if pj[e["component"] == c].sum() > 0]
    if not comps:
        raise PlotError("%s: the energy records hold no device energy (read_pj and write_pj "
                        "are 0: no projection on devices)" % run.files[0].path)
    import matplotlib.colors as mc
    cc = colours(len(comps) + len(run.populations))[len(run.populations):]
    ys, labels, cols = [], [], []
    for k, c in enumerate(comps):
        m = e["component"] == c
        rows = np.searchsorted(ts, e["time_ms"][m])
        for field, what, light in (("read_pj", "reads", 0.0), ("write_pj", "writes", 0.45)):
            if e[field][m].sum() <= 0:
                continue
            y = np.zeros(ts.size)
            y[rows] = e[field][m]
            ys.append(y)
            labels.append("%s: %s (%.4g pJ)" % (names[c] if c < len(names) else c, what,
                                                y.sum()))
            rgb = np.array(mc.to_rgb(cc[k]))
            cols.append(tuple(rgb + (1 - rgb) * light))
    # record times are interval ends: each value holds back to the previous
    # record (the first back to the window's start)
    x0 = max(t0, 0.0)
    xs = np.r_[x0, ts] if ts[0] > x0 else ts
    yy = [np.r_[y[0], y] if ts[0] > x0 else y for y in ys]
    ax.stackplot(xs, yy, labels=labels, colors=cols, step="pre", alpha=0.9)
    ax.set_xlim(max(t0, 0), min(t1, ts[-1]) if ts[-1] > t0 else t1)
    ax.set_xlabel("time (ms, end of each energy record's interval)")
    iv = [r["interval_ms"] for r in run.recorders if r["kind"] == "energy"]
    per = "%g ms" % iv[0] if iv and iv[0] > 0 else "window"
    ax.set_ylabel("device energy per %s (%s), stacked" % (per, e.units.get("read_pj", "pJ")))
    return "%d records, %.3g pJ" % (ts.size, sum(y.sum() for y in ys))


def main(argv=None):
    args = parser().parse_args(argv)
    args.pops = [q for p in (args.population or []) for q in p.split(",") if q]
    if args.t_from is not None and args.t_to is not None and args.t_to <= args.t_from:
        sys.stderr.write("%s: --to %g must be after --from %g\n" % (PROG, args.t_to, args.t_from))
        return 2
    ext = os.path.splitext(args.out)[1].lower()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.stderr.write("%s: needs matplotlib for %s: apt-get install python3-matplotlib "
                         "(or make deps), or set MEMSPIKE_PYTHON to a Python that has it\n"
                         % (PROG, sys.executable))
        return 1
    fmts = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if ext.lstrip(".") not in fmts:
        sys.stderr.write("%s: --out %s: expected a file name ending in an image type (.png, "
                         ".svg, .pdf)\n" % (PROG, args.out))
        return 2
    try:
        # --from reads each log from its index sidecar's entry at or before it
        run = open_run(args.logs, partial=args.partial, t_start_ms=args.t_from)
        col = colours(len(run.populations))
        fig = plt.figure(figsize=(9, 5.5 if args.kind != "vm" else 6.5))
        if args.kind in ("vm", "weights"):
            what = globals()["plot_" + args.kind](run, args, fig, col)
            axes = fig.axes
        else:
            ax = fig.add_subplot(1, 1, 1)
            what = globals()["plot_" + args.kind](run, args, ax, col)
            axes = [ax]
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8, markerscale=4 if args.kind == "raster" else 1,
                          loc="upper right")
        trunc = " [truncated log]" if run.truncated else ""
        title = args.title or "%s: %s%s%s" % (args.kind, os.path.basename(run.files[0].path)
                                              if len(run.files) == 1 else
                                              "%d rank logs" % len(run.files),
                                              _selection(args), trunc)
        fig.suptitle(title, fontsize=11)
        for ax in axes:
            ax.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(args.out, dpi=100)
    except (LogError, PlotError, KeyError) as e:
        sys.stderr.write("%s: %s\n" % (PROG, e.args[0] if e.args else e))
        return 1
    except OSError as e:
        sys.stderr.write("%s: cannot write %s: %s\n" % (PROG, args.out, e.strerror or e))
        return 1
    print("%s: wrote %s (%s: %s)" % (PROG, args.out, args.kind, what))
    return 0
