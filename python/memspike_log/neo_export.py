"""neo_export.py: a Run as a neo.Block (python3-neo, python3-quantities).

One Segment from 0 to the run's common end:
  - a SpikeTrain per spike-recorded neuron (silent ones too), in ms, with
    t_stop = the common end, annotated population, gid, local_id, and
    named "POP[local_id]";
  - an AnalogSignal per state recorder and variable, shape (times,
    neurons), in the header's unit of the variable (mV, pA, ...; a unit
    quantities does not know becomes dimensionless with the name in the
    annotation "unit"), sampling period = the recorder's interval, with
    array annotations gid and local_id and annotations recorder,
    population, variable.
"""
import numpy as np


def _units(pq, unit):
    if not unit:
        return pq.dimensionless, ""
    try:
        return pq.Quantity(1.0, unit).units, unit
    except (LookupError, ValueError, SyntaxError):
        return pq.dimensionless, unit


def to_neo(run, populations=None, t_start=None, t_stop=None):
    """neo.Block of run (see the module doc).  populations: names or
    indices to include (default all); t_start/t_stop (ms) narrow the
    segment."""
    import neo
    import quantities as pq

    t0 = run.t_start_ms if t_start is None else max(float(t_start), run.t_start_ms)
    t1 = run.t_stop_ms if t_stop is None else min(float(t_stop), run.t_stop_ms)
    blk = neo.Block(name="memspike run", file_origin=", ".join(f.path for f in run.files),
                    config=run.header["config"], digest="%016x" % run.header["digest"],
                    seed=int(run.header["seed"]), nranks=int(run.nranks),
                    resolution_ms=run.resolution_ms, format_version=int(run.version))
    seg = neo.Segment(name="run", index=0)
    blk.segments.append(seg)
    pops = range(len(run.populations)) if populations is None else \
        [run.population_index(p) for p in populations]
    sp = run.spikes(population=list(pops), t_start=t0, t_stop=t1)
    for p in pops:
        name = run.population_names[p]
        first = run.populations[p]["first_gid"]
        mine = sp[sp["population"] == p]
        locals_ = run.recorded_neurons(p)
        if locals_.size == 0:
            continue
        order = np.argsort(mine["local_id"], kind="stable")
        ids = mine["local_id"][order]
        times = mine["time_ms"][order]
        starts = np.searchsorted(ids, locals_, side="left")
        ends = np.searchsorted(ids, locals_, side="right")
        for lid, a, b in zip(locals_, starts, ends):
            st = neo.SpikeTrain(times[a:b], units=pq.ms, t_start=t0 * pq.ms, t_stop=t1 * pq.ms,
                                name="%s[%d]" % (name, lid), population=name,
                                gid=int(first + lid), local_id=int(lid))
            seg.spiketrains.append(st)
    for ri, r in enumerate(run.recorders):
        if r["kind"] != "state" or (populations is not None and r["population"] not in pops):
            continue
        s = run.samples(ri)
        keep = (s.times_ms >= t0) & (s.times_ms < t1)
        times = s.times_ms[keep]
        if times.size == 0 or s.gids.size == 0:
            continue
        for vi, v in enumerate(s.variables):
            u, label = _units(pq, s.units.get(v, ""))
            data = s.values[keep][:, :, vi]
            ann = dict(recorder=s.name, population=s.population, variable=v, unit=label)
            arr_ann = dict(gid=s.gids.astype(np.int64), local_id=s.local_ids.astype(np.int64))
            regular = times.size == 1 or np.allclose(np.diff(times), s.interval_ms, rtol=1e-9,
                                                     atol=1e-9 * max(1.0, s.interval_ms))
            if regular and s.interval_ms > 0:
                sig = neo.AnalogSignal(data, units=u, t_start=times[0] * pq.ms,
                                       sampling_period=s.interval_ms * pq.ms,
                                       name="%s.%s" % (s.name, v), array_annotations=arr_ann,
                                       **ann)
                seg.analogsignals.append(sig)
            else:
                sig = neo.IrregularlySampledSignal(times * pq.ms, data, units=u,
                                                   name="%s.%s" % (s.name, v),
                                                   array_annotations=arr_ann, **ann)
                seg.irregularlysampledsignals.append(sig)
    return blk
