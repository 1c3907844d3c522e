#!/usr/bin/python3
"""check_yao_mcnn.py: the checks of tests/example_yao_mcnn.sh on the output
of `examples/yao_mcnn.sh --small`, each against an independent count:
  - the layer shapes read from the model file itself (msgpack), the shapes
    propagated through its layers here, and from them each weighted
    layer's tiles on R x C arrays (ceil(rows / R) x ceil(2 cols / C) x
    copies, copies = min(K, output positions) for conv layers), the cells
    of every tile and the budget verdict for 1 and 3 replicas;
  - the crossbar ANN's energy and latency per layer recomputed from the
    equations of docs/energy.md with the constants read from
    configs/energy/default.ini (not through memspike);
  - accuracy: hybrid training >= programming - 2 standard errors,
    software >= programming;
  - latency with 3 replicas < with 1, energy unchanged by replication;
  - images/s/W = 1e12 / pJ per image;
  - the packing (--pack shared) from its JSON layout alone: every tile of
    every copy once, no two on one cell (an occupancy grid per array), the
    array count between ceil(cells / 2048) and one per tile, and the packed
    latency and shared-row energy recomputed under the timing rule;
  - the kernel copies on their own devices: images split i mod K, the
    overall accuracy the weighted mean, copies differing on rram_yao2020
    and agreeing on the ideal preset (IDEAL.json).
Prints "ok NAME" or "FAIL NAME: detail" per check.

usage: check_yao_mcnn.py MODEL.msgpack ENERGY.ini OUTDIR [IDEAL.json]
"""
import configparser
import json
import math
import os
import sys

import msgpack

R, C, BUDGET = 128, 16, 8


def report(name, good, detail=""):
    print(("ok %s" % name) if good else ("FAIL %s: %s" % (name, detail)))


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def shapes(model_path):
    """Weighted and pool layers with the counts the energy model uses."""
    with open(model_path, "rb") as f:
        m = msgpack.unpackb(f.read(), raw=False)
    c, h, w = m["input"]["shape"]
    out = []
    nconv = nfc = npool = 0
    for L in m["layers"]:
        t = L["type"]
        if t == "conv2d":
            (kh, kw), (sh, sw), (ph, pw) = L["kernel_size"], L["stride"], L["padding"]
            oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
            oc = L["out_channels"]
            nconv += 1
            out.append(dict(name="conv%d" % nconv, kind="conv", rows=c * kh * kw, cols=oc,
                            patches=oh * ow, inputs=c * h * w, neurons=oc * oh * ow))
            c, h, w = oc, oh, ow
        elif t in ("avgpool2d", "maxpool2d"):
            (kh, kw), (sh, sw) = L["kernel_size"], L["stride"]
            oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
            npool += 1
            out.append(dict(name="pool%d" % npool, kind="pool", rows=kh * kw, cols=c,
                            patches=oh * ow, inputs=c * h * w, neurons=c * oh * ow))
            h, w = oh, ow
        elif t == "flatten":
            c, h, w = c * h * w, 1, 1
        elif t == "linear":
            nfc += 1
            nin, nout = L["in_features"], L["out_features"]
            if nin != c * h * w:
                raise SystemExit("model: linear in_features %d != %d" % (nin, c * h * w))
            out.append(dict(name="fc%d" % nfc, kind="linear", rows=nin, cols=nout, patches=1,
                            inputs=nin, neurons=nout))
            c, h, w = nout, 1, 1
    for l in out:
        l["macs"] = l["neurons"] * l["rows"]
    return out


def tiles(l, k):
    if l["kind"] == "pool":
        return None
    copies = min(k, l["patches"]) if l["kind"] == "conv" else 1
    rt, ct = math.ceil(l["rows"] / R), math.ceil(2 * l["cols"] / C)
    cells = [min(R, l["rows"] - i * R) * min(C, 2 * l["cols"] - j * C)
             for i in range(rt) for j in range(ct)]
    return dict(row_tiles=rt, col_tiles=ct, copies=copies, arrays=rt * ct * copies,
                cells=l["rows"] * 2 * l["cols"] * copies, tile_cells=cells)


def constants(path):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",))
    cp.read(path)
    g = {}
    for sec in cp.sections():
        for k, v in cp.items(sec):
            try:
                g[sec + "_" + k] = float(v)
            except ValueError:
                g[sec + "_" + k] = v
    return g


def word_pj(p, nbytes):
    if nbytes <= 8 * 1024:
        return p["digital_sram_8kb_pj"]
    if nbytes <= 32 * 1024:
        return p["digital_sram_32kb_pj"]
    if nbytes <= 1024 * 1024:
        return p["digital_sram_1mb_pj"]
    return p["digital_dram_pj"]


def ann_crossbar(p, l, k):
    """(total pJ, latency ns) of docs/energy.md's analog crossbar ANN."""
    bi = p["crossbar_input_bits"]
    e_a = word_pj(p, (l["inputs"] + l["neurons"]) * bi / 8)
    ops_ns = p["digital_macs_per_cycle"] * p["digital_clock_ghz"]
    if l["kind"] == "pool":
        e = l["macs"] * p["crossbar_e_add_pj"] + (l["macs"] + l["neurons"]) * bi / 64 * e_a
        return e, l["macs"] / ops_ns
    rows, cols, patches = l["rows"], l["cols"], l["patches"]
    phys = 2 * cols
    rt = math.ceil(rows / p["crossbar_array_rows"])
    ct = math.ceil(phys / p["crossbar_array_cols"])
    repl = min(k, patches) if l["kind"] == "conv" else 1
    cycles = math.ceil(bi / p["crossbar_dac_bits"])
    g = p["crossbar_g_off_us"] + p["crossbar_g_mean_state"] * (p["crossbar_g_on_us"] -
                                                               p["crossbar_g_off_us"])
    e_cell = p["crossbar_v_read"] ** 2 * g * p["crossbar_t_read_ns"] * 1e-3
    analog = p["crossbar_pair_subtraction"] == "analog"
    outputs = cols if analog else phys
    read = rows * phys * e_cell * p["crossbar_row_activity"]
    dac = rows * ct * p["crossbar_e_dac_pj"]
    adc = rt * outputs * p["crossbar_e_adc_pj"]
    adds = outputs * (rt * cycles - 1) + (0 if analog else cols)
    e = (patches * (cycles * read + adds * p["crossbar_e_add_pj"]) +
         patches * cycles * (dac + adc) + (patches * rows + l["neurons"]) * bi / 64 * e_a)
    per_array = p["crossbar_array_cols"] / (2 if analog else 1)
    adcs = math.ceil(per_array / p["crossbar_columns_per_adc"])
    used = min(phys, p["crossbar_array_cols"]) / (2 if analog else 1)
    groups = math.ceil(used / adcs)
    t_adc = p["crossbar_adc_bits"] / p["digital_clock_ghz"]
    lat = math.ceil(patches / repl) * cycles * groups * (p["crossbar_t_read_ns"] + t_adc)
    return e, lat


def check_layout(what, layout, wl, k, arrays):
    """Every tile of every copy placed once, inside its array, on cells no
    other tile uses (an occupancy grid per array), and the count against
    the cell-count lower bound and the one-per-tile count."""
    want = {}
    for l in wl:
        t = tiles(l, k)
        for c in range(t["copies"]):
            for i in range(t["row_tiles"]):
                for j in range(t["col_tiles"]):
                    want[(l["name"], c, i, j)] = (min(R, l["rows"] - i * R),
                                                  min(C, 2 * l["cols"] - j * C))
    got, bad = {}, []
    for arr in layout:
        grid = [[None] * C for _ in range(R)]
        used = 0
        for b in arr["tiles"]:
            key = (b["layer"], b["copy"], b["row_tile"], b["col_tile"])
            if key in got:
                bad.append("tile %r placed twice" % (key,))
            got[key] = (b["rows"], b["cols"])
            if b["row0"] + b["rows"] > R or b["col0"] + b["cols"] > C:
                bad.append("tile %r outside array %d" % (key, arr["array"]))
                continue
            for y in range(b["row0"], b["row0"] + b["rows"]):
                for x in range(b["col0"], b["col0"] + b["cols"]):
                    if grid[y][x] is not None:
                        bad.append("array %d cell (%d,%d): %r and %r" % (arr["array"], y, x,
                                                                         grid[y][x], key))
                    grid[y][x] = key
            used += b["rows"] * b["cols"]
        if used != arr["cells_used"]:
            bad.append("array %d: cells_used %d, tiles hold %d" % (arr["array"],
                                                                   arr["cells_used"], used))
    report("%s: every tile once, with its shape" % what, got == want,
           "missing %r extra %r" % (sorted(set(want) - set(got)), sorted(set(got) - set(want))))
    report("%s: no two tiles share a cell, all inside 128x16" % what, not bad,
           "; ".join(bad[:5]))
    cells = sum(tiles(l, k)["cells"] for l in wl)
    lower = math.ceil(cells / (R * C))
    ntile = sum(tiles(l, k)["arrays"] for l in wl)
    report("%s: %d arrays, >= %d (cells / 2048) and <= %d (one per tile)"
           % (what, arrays, lower, ntile),
           arrays == len(layout) and lower <= arrays <= ntile, "layout has %d" % len(layout))


def packed_timing(p, ls, layout, k):
    """(latency ns, row-sharing pJ) of the crossbar ANN under the timing rule
    of docs/energy.md: one read per array at a time, so a layer's tiles in
    one array convert their ADC groups one after the other."""
    bi = p["crossbar_input_bits"]
    cycles = math.ceil(bi / p["crossbar_dac_bits"])
    analog = p["crossbar_pair_subtraction"] == "analog"
    per_array = p["crossbar_array_cols"] / (2 if analog else 1)
    adcs = math.ceil(per_array / p["crossbar_columns_per_adc"])
    t_adc = p["crossbar_adc_bits"] / p["digital_clock_ghz"]
    g = p["crossbar_g_off_us"] + p["crossbar_g_mean_state"] * (p["crossbar_g_on_us"] -
                                                               p["crossbar_g_off_us"])
    e_cell = p["crossbar_v_read"] ** 2 * g * p["crossbar_t_read_ns"] * 1e-3
    lat = share = 0.0
    for l in ls:
        if l["kind"] == "pool":
            lat += ann_crossbar(p, l, k)[1]
            continue
        repl = min(k, l["patches"]) if l["kind"] == "conv" else 1
        per = {}
        for arr in layout:
            for b in arr["tiles"]:
                if b["layer"] != l["name"]:
                    continue
                used = b["cols"] / (2 if analog else 1)
                per[arr["array"]] = per.get(arr["array"], 0) + math.ceil(used / adcs)
                for o in arr["tiles"]:
                    if o is b:
                        continue
                    ov = min(b["row0"] + b["rows"], o["row0"] + o["rows"]) - max(b["row0"],
                                                                                 o["row0"])
                    if ov > 0:
                        share += (l["patches"] / repl * cycles * ov * o["cols"] * e_cell *
                                  p["crossbar_row_activity"])
        lat += (math.ceil(l["patches"] / repl) * cycles * max(per.values()) *
                (p["crossbar_t_read_ns"] + t_adc))
    return lat, share


def check_replicas(what, d, n, varied):
    """Kernel copies on their own devices: the images split i mod K, the
    overall accuracy their weighted mean, copy 0 on the devices of the
    single mapping; the copies differ with device variation and agree on
    ideal devices (accuracy on all images, programming error)."""
    rp = d.get("replicas")
    if not rp:
        report("%s: per-copy devices reported" % what, False, "no device.replicas")
        return
    g = rp["by_copy"]
    K = rp["copies"]
    report("%s: %d copies, images split i mod %d" % (what, K, K),
           len(g) == K and [x["images"] for x in g] == [len(range(c, n, K)) for c in range(K)],
           str([x["images"] for x in g]))
    for ph in ("programmed", "hybrid"):
        if ph not in g[0]:
            continue
        ov = sum(x[ph] * x["images"] for x in g) / n
        report("%s: overall %s %.2f %% = per-copy mean weighted by images" % (what, ph, 100 * ov),
               close(rp["overall_" + ph], ov, 1e-12), str(rp["overall_" + ph]))
    report("%s: copy 0 on the single mapping's devices (%.2f %%)"
           % (what, 100 * g[0]["programmed_all_images"]),
           close(g[0]["programmed_all_images"], d["ann_accuracy"], 1e-12),
           "device.ann_accuracy %r" % d["ann_accuracy"])
    acc = [x["programmed_all_images"] for x in g]
    err = [x["conv_weight_error"] for x in g]
    if varied:
        report("%s: copies differ (accuracy on all images %s; weight error %s)"
               % (what, ", ".join("%.2f" % (100 * v) for v in acc),
                  ", ".join("%.4f" % v for v in err)),
               len(set(acc)) > 1 and len(set(err)) == K, "")
    else:
        report("%s: copies agree (accuracy on all images %s; weight error %s)"
               % (what, ", ".join("%.2f" % (100 * v) for v in acc),
                  ", ".join("%.4g" % v for v in err)),
               len(set(acc)) == 1 and len(set(err)) == 1 and
               [x["conv_stuck"] for x in g] == [0] * K, "")


def main(argv):
    model, ini, out = argv[1:4]
    if len(argv) > 4:  # a convert JSON on the ideal preset, 3 copies
        with open(argv[4]) as f:
            q = json.load(f)
        check_replicas("ideal", q["device"], q["images"], varied=False)
    with open(os.path.join(out, "convert.json")) as f:
        c = json.load(f)
    with open(os.path.join(out, "yao_mcnn.json")) as f:
        y = json.load(f)
    ls = shapes(model)
    wl = [l for l in ls if l["kind"] != "pool"]

    # arrays: geometry, per-layer tiles, cells, totals, budget verdicts
    a = c["arrays"]
    report("geometry 128x16, budget 8", (a["rows"], a["cols"], a["budget"]) == (R, C, BUDGET),
           "got %sx%s budget %s" % (a["rows"], a["cols"], a["budget"]))
    got = {q["name"]: q for q in a["layers"]}
    for l in wl:
        t, q = tiles(l, 1), got.get(l["name"])
        keys = ("row_tiles", "col_tiles", "copies", "arrays", "cells", "tile_cells")
        report("%s tiles on 128x16 arrays (%d arrays)" % (l["name"], t["arrays"]),
               q is not None and all(q[k] == t[k] for k in keys) and q["rows"] == l["rows"],
               "memspike %r, independent %r" % (q, t))
    n1 = sum(tiles(l, 1)["arrays"] for l in wl)
    n3 = sum(tiles(l, 3)["arrays"] for l in wl)
    cells1 = sum(tiles(l, 1)["cells"] for l in wl)
    report("--pack shared", a.get("pack") == "shared", str(a.get("pack")))
    report("cells programmed: %d" % cells1, a["cells"] == cells1, "memspike %s" % a["cells"])
    report("packed lower bound ceil(cells / 2048) = %d" % math.ceil(cells1 / (R * C)),
           a["arrays_if_packed"] == math.ceil(cells1 / (R * C)), str(a["arrays_if_packed"]))
    rep = {r["k"]: r for r in c["replicate"]}
    report("replicas 1 and 3 reported", sorted(rep) == [1, 3], json.dumps(sorted(rep)))
    check_layout("arrays (1 replica)", a["layout"], wl, 1, a["arrays"])
    for k, nk in ((1, n1), (3, n3)):
        r = rep[k]
        check_layout("%d replica%s" % (k, "s" if k > 1 else ""), r["layout"], wl, k,
                     r["arrays"])
        report("%d replicas: %d one per tile" % (k, nk), r["arrays_one_per_tile"] == nk,
               str(r["arrays_one_per_tile"]))
        report("%d replicas: fits 8 = (%d <= 8)" % (k, r["arrays"]),
               r["fits"] == (r["arrays"] <= BUDGET), str(r["fits"]))

    # energy model, recomputed
    p = constants(ini)
    p["crossbar_array_rows"], p["crossbar_array_cols"] = R, C  # --array 128x16
    by_name = {q["name"]: q for q in c["energy"]["layers"]}
    worst = 0.0
    tot = {1: [0.0, 0.0], 3: [0.0, 0.0]}
    for l in ls:
        q = by_name[l["name"]]["ann_crossbar"]
        e1, t1 = ann_crossbar(p, l, 1)
        for k in (1, 3):
            e, t = ann_crossbar(p, l, k)
            tot[k][0] += e
            tot[k][1] += t
        worst = max(worst, abs(q["total_pj"] - e1) / e1, abs(q["latency_ns"] - t1) / t1)
    report("per-layer crossbar energy and latency = docs/energy.md (worst rel. %.2g)" % worst,
           worst < 1e-9, "")
    for k in (1, 3):
        r = rep[k]["ann_crossbar"]
        lat, share = packed_timing(p, ls, rep[k]["layout"], k)
        report("K=%d packed: %.4g nJ (%.3g nJ on shared rows), %.4g us = docs/energy.md"
               % (k, (tot[k][0] + share) / 1e3, share / 1e3, lat / 1e3),
               close(r["total_pj"], tot[k][0] + share, 1e-9) and close(r["latency_ns"], lat, 1e-9)
               and (close(rep[k]["share_pj"], share, 1e-9) if share else rep[k]["share_pj"] == 0),
               "memspike %r share %r" % (r, rep[k]["share_pj"]))
        report("K=%d packed latency >= one tile per array (%.4g >= %.4g us)"
               % (k, lat / 1e3, tot[k][1] / 1e3), lat >= tot[k][1] * (1 - 1e-12), "")
    l1, l3 = rep[1]["ann_crossbar"]["latency_ns"], rep[3]["ann_crossbar"]["latency_ns"]
    report("latency with 3 replicas < with 1 (%.4g < %.4g us)" % (l3 / 1e3, l1 / 1e3), l3 < l1, "")
    e1 = rep[1]["ann_crossbar"]["total_pj"] - rep[1]["share_pj"]
    e3 = rep[3]["ann_crossbar"]["total_pj"] - rep[3]["share_pj"]
    report("energy per image, shared rows aside, unchanged by replication", close(e1, e3), "")
    xb = y["crossbar_by_replicas"][0]
    report("images/s/W = 1e12 / pJ per image (%.3g)" % xb["images_per_s_per_w"],
           close(xb["images_per_s_per_w"], 1e12 / rep[1]["ann_crossbar"]["total_pj"], 1e-12),
           str(xb))
    macs = sum(l["macs"] for l in wl)
    report("GOPS/W = 2 MACs / energy (%d MACs)" % macs,
           close(xb["gops_per_w"], 2 * macs / (rep[1]["ann_crossbar"]["total_pj"] * 1e-12) / 1e9,
                 1e-12), str(xb["gops_per_w"]))
    dig = c["energy"]["total"]["ann_digital"]["total_pj"]
    report("crossbar vs digital = %.2f x" % (dig / rep[1]["ann_crossbar"]["total_pj"]),
           close(y["crossbar_vs_digital_efficiency"], dig / rep[1]["ann_crossbar"]["total_pj"],
                 1e-12), str(y["crossbar_vs_digital_efficiency"]))

    # accuracy on the test subset
    acc = y["accuracy"]
    # Re-writing the last layer draws new write noise, and with the stuck
    # cells mapped around (fault_aware_map) little is left to recover: the
    # hybrid accuracy may fall below the programmed one by at most two
    # binomial standard errors of the test subset.
    n_img = c["images"]
    se = math.sqrt(acc["programmed"] * (1 - acc["programmed"]) / n_img)
    report("hybrid training >= programming - 2 s.e. (%.2f >= %.2f - %.2f %%, %d images)"
           % (100 * acc["hybrid"], 100 * acc["programmed"], 200 * se, n_img),
           acc["hybrid"] >= acc["programmed"] - 2 * se, "")
    report("software >= programmed (%.2f >= %.2f %%)"
           % (100 * acc["software"], 100 * acc["programmed"]),
           acc["software"] >= acc["programmed"], "")
    d = c["device"]
    check_replicas("rram_yao2020", d, c["images"], varied=True)
    ndev = 2 * sum(l["rows"] * l["cols"] for l in wl)
    frac = d["stuck"] / ndev
    # rram_yao2020: stuck_fraction 0.0977; binomial 4-sigma band over ndev devices
    sig = math.sqrt(0.0977 * (1 - 0.0977) / ndev)
    report("stuck devices %d of %d (%.2f %%, preset 9.77 %%)" % (d["stuck"], ndev, 100 * frac),
           abs(frac - 0.0977) < 4 * sig, "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
