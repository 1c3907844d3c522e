"""
projections.py: PyNN's Projection on memspike projections.

Connectivity: a connector that matches a memspike rule (AllToAll ->
all_to_all, OneToOne -> one_to_one, FixedProbability ->
pairwise_bernoulli, FixedNumberPre -> fixed_indegree, FixedNumberPost ->
fixed_outdegree, FixedTotalNumber -> fixed_total_number) between whole
Populations of one memspike population each, with constant weights and
delays or uniform / normal / normal_clipped ones, is drawn by memspike
from its seed (the same network on any number of ranks).  Every other
case (FromListConnector, views, Assemblies, distance expressions, other
distributions, other connectors) is drawn by PyNN's own connector code
here and handed to the library as an explicit list, one per pair of
memspike populations.  Either way the work happens at the build
(simulator.py); get/set/len before the first run build the network.

Weights: PyNN units (nA for IF_curr_exp, mV for IF_curr_delta and
Izhikevich) times the target's weight_scale.  PyNN 0.10 wants
current-based inhibitory weights negative (standardmodels.check_weights),
which is memspike's convention too: the sign picks the receptor.
"""
from collections import namedtuple

import numpy as np
from pyNN import common, connectors, random
from pyNN.core import ezip
from pyNN.space import Space

from . import simulator
from .populations import Population
from .standardmodels.synapses import StaticSynapse, STDPMechanism, DeviceSynapse

_RULES = {
    connectors.AllToAllConnector: "all_to_all",
    connectors.OneToOneConnector: "one_to_one",
    connectors.FixedProbabilityConnector: "pairwise_bernoulli",
    connectors.FixedNumberPreConnector: "fixed_indegree",
    connectors.FixedNumberPostConnector: "fixed_outdegree",
    connectors.FixedTotalNumberConnector: "fixed_total_number",
}

Part = namedtuple("Part", "proj pre_lookup post_lookup")


def _num(x):
    return repr(float(x))


def _dist_text(value, factor):
    """A memspike dist for a PyNN value times factor, or None."""
    base = value.base_value
    if isinstance(base, (int, float, np.integer, np.floating)) and value.operations == []:
        return _num(base * factor)
    if isinstance(base, random.RandomDistribution) and value.operations == []:
        p = base.parameters
        a = abs(factor)
        if base.name == "uniform":
            lo, hi = sorted((p["low"] * factor, p["high"] * factor))
            return "uniform(%s, %s)" % (_num(lo), _num(hi))
        if base.name == "normal":
            return "normal(%s, %s)" % (_num(p["mu"] * factor), _num(p["sigma"] * a))
        if base.name == "normal_clipped":
            lo, hi = sorted((p["low"] * factor, p["high"] * factor))
            return "redraw(normal(%s, %s), %s, %s)" % (_num(p["mu"] * factor),
                                                       _num(p["sigma"] * a), _num(lo), _num(hi))
    return None


class Connection(common.Connection):
    """One connection: indices into the projection's pre and post, weight, delay."""

    def __init__(self, projection, k):
        self.projection = projection
        self.k = k

    @property
    def presynaptic_index(self):
        return self.projection._cache()[0][self.k]

    @property
    def postsynaptic_index(self):
        return self.projection._cache()[1][self.k]

    def _get_weight(self):
        return self.projection._cache()[2][self.k]

    def _set_weight(self, w):
        W = self.projection._cache()[2].copy()
        W[self.k] = w
        self.projection._set_weights_list(W)
    weight = property(_get_weight, _set_weight)

    @property
    def delay(self):
        return self.projection._cache()[3][self.k]

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population,
                 connector, synapse_type=None, source=None, receptor_type=None,
                 space=Space(), label=None):
        simulator.state.check_unbuilt("creating a Projection")
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type,
                                   space, label)
        if source not in (None, "soma", "spike"):
            raise NotImplementedError("pyNN.memspike: Projection source %r" % (source,))
        if not isinstance(self.synapse_type, (StaticSynapse, STDPMechanism, DeviceSynapse)):
            raise NotImplementedError("pyNN.memspike: synapse type %s"
                                      % type(self.synapse_type).__name__)
        cts = set(type(p.celltype) for p in self._pops(self.post))
        if len(cts) != 1:
            raise NotImplementedError("pyNN.memspike: a Projection onto cells of several types")
        ct = cts.pop()
        if not hasattr(ct, "weight_scale"):
            raise NotImplementedError("pyNN.memspike: a Projection onto %s" % ct.__name__)
        self._sign = 1.0     # PyNN 0.10 gives inhibitory current weights negative, as memspike
        self._scale = ct.weight_scale
        rng = getattr(connector, "rng", None)
        if rng is not None:
            simulator.state.use_rng(rng)
        self._parts = []
        self._arrays = None
        self._drawn = None       # PyNN-drawn (pre, post, weight, delay), kept for a rebuild
        self._user_w = None      # the weights last given to set(), in connection order
        simulator.state.projections.append(self)

    # -- the pieces of pre and post -----------------------------------------
    @staticmethod
    def _pops(cells):
        if isinstance(cells, common.Assembly):
            return [p.grandparent if hasattr(p, "grandparent") else p for p in cells.populations]
        return [cells.grandparent if hasattr(cells, "grandparent") else cells]

    @staticmethod
    def _cells(cells):
        """(Population of each cell, index in it) for the cells of pre or post."""
        parts = cells.populations if isinstance(cells, common.Assembly) else [cells]
        pops, idx = [], []
        for p in parts:
            if isinstance(p, Population):
                pops.extend([p] * p.size)
                idx.append(np.arange(p.size))
            else:
                gp = p.grandparent
                pops.extend([gp] * p.size)
                idx.append(np.asarray(p.index_in_grandparent(np.arange(p.size))))
        return pops, np.concatenate(idx) if idx else np.zeros(0, int)

    def _native_rule(self):
        rule = _RULES.get(type(self._connector))
        if rule is None or not isinstance(self.pre, Population) \
                or not isinstance(self.post, Population):
            return None
        if len(self.pre.segments) != 1 or len(self.post.segments) != 1:
            return None
        c = self._connector
        keys = {}
        allow_self = getattr(c, "allow_self_connections", True)
        if allow_self not in (True, False):
            return None
        if rule in ("fixed_indegree", "fixed_outdegree", "fixed_total_number"):
            if not isinstance(c.n, (int, np.integer)) or c.n < (0 if rule == "fixed_total_number"
                                                                else 1):
                return None
            if rule == "fixed_total_number" and not c.with_replacement:
                return None
            keys[{"fixed_indegree": "indegree", "fixed_outdegree": "outdegree",
                  "fixed_total_number": "N"}[rule]] = str(int(c.n))
            keys["allow_multapses"] = "true" if c.with_replacement else "false"
        if rule == "pairwise_bernoulli":
            keys["p"] = _num(c.p_connect)
        if rule != "one_to_one":
            keys["allow_autapses"] = "true" if allow_self else "false"
        ps = self.synapse_type.native_parameters
        w = _dist_text(ps["weight"], self._sign * self._scale)
        d = _dist_text(ps["delay"], 1.0)
        if w is None or d is None:
            return None
        keys["weight"], keys["delay"] = w, d
        return rule, keys

    def _synapse_keys(self):
        st = self.synapse_type
        factor = self._sign * self._scale
        keys = {}
        ps = st.native_parameters

        def one(name):
            v = ps[name]
            if not v.is_homogeneous:
                raise NotImplementedError("pyNN.memspike: %s differing between the connections "
                                          "of one projection" % name)
            v.shape = (1,)
            return float(v.evaluate(simplify=True))

        def stdp(td, wmax):
            tp = td.native_parameters
            for n in ("tau_plus", "tau_minus", "lambda", "alpha"):
                v = tp[n]
                v.shape = (1,)
                keys[n] = _num(v.evaluate(simplify=True))
            keys["Wmax"] = _num(wmax * factor)

        if isinstance(st, STDPMechanism):
            keys["synapse"] = "stdp_synapse"
            stdp(st.timing_dependence, one("Wmax"))
            keys["mu_plus"] = _num(one("mu_plus"))
            keys["mu_minus"] = _num(one("mu_minus"))
        elif isinstance(st, DeviceSynapse):
            keys["synapse"] = "device"
            keys["device"] = st.device
            keys["weight_mode"] = st.weight_mode
            if st.weight_scale is not None:
                keys["weight_scale"] = _num(st.weight_scale * self._scale)
            keys["w_ref"] = _num(st.w_ref)
            keys["plasticity"] = st.plasticity
            if st.plasticity == "stdp":
                stdp(st.timing_dependence, st.w_max if st.w_max is not None else 1.0)
            for k, v in st.preset_overrides.items():
                keys[k] = v if isinstance(v, str) else _num(v)
        return keys

    # -- the build ------------------------------------------------------------
    def _ms_build(self, sim):
        state = simulator.state
        name = state.unique_name(self.label, "proj%d" % state.projections.index(self))
        syn = self._synapse_keys()
        pre_pops, pre_idx = self._cells(self.pre)
        post_pops, post_idx = self._cells(self.post)
        pre_gids = np.concatenate([p._ms_gids(np.array([i])) for p, i in
                                   zip(pre_pops, pre_idx)]) if len(pre_idx) else np.zeros(0, int)
        post_gids = np.concatenate([p._ms_gids(np.array([i])) for p, i in
                                    zip(post_pops, post_idx)]) if len(post_idx) else np.zeros(0, int)
        lookup_pre = dict(zip(pre_gids.tolist(), range(len(pre_gids))))
        lookup_post = dict(zip(post_gids.tolist(), range(len(post_gids))))
        self._lookups = (lookup_pre, lookup_post)
        native = self._native_rule()
        self._parts = []
        if native is not None:
            rule, keys = native
            keys.update(syn)
            h = sim.add_projection(name, self.pre.segments[0][2], self.post.segments[0][2],
                                   rule, keys)
            self._parts.append(h)
            return
        # PyNN's own connector: collect (pre, post, weight, delay) in projection
        # indices, once (a rebuild must not draw another network)
        if self._drawn is None:
            self._pending = ([], [], [], [])
            self._connector.connect(self)
            self._drawn = tuple(np.concatenate(x) if x else np.zeros(0) for x in self._pending)
            del self._pending
        pre, post, w, d = self._drawn
        pre = pre.astype(np.int64)
        post = post.astype(np.int64)
        gpre, gpost = pre_gids[pre], post_gids[post]
        # one memspike projection per (source segment, target segment)
        segs = [(s[3], s[3] + s[1] - s[0], s[2]) for p in
                set(self._pops(self.pre)) for s in p.segments]
        tsegs = [(s[3], s[3] + s[1] - s[0], s[2]) for p in
                 set(self._pops(self.post)) for s in p.segments]
        k = 0
        for (ga, gb, sp) in sorted(segs):
            ms = (gpre >= ga) & (gpre < gb)
            if not ms.any():
                continue
            for (ta, tb, tp) in sorted(tsegs):
                m = ms & (gpost >= ta) & (gpost < tb)
                if not m.any():
                    continue
                pname = name if k == 0 else state.unique_name("%s_%d" % (name, k), name)
                h = sim.add_projection_list(pname, sp, tp, gpre[m] - ga, gpost[m] - ta,
                                            w[m] * self._sign * self._scale, d[m], syn)
                self._parts.append(h)
                k += 1

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            **connection_parameters):
        n = len(presynaptic_indices)
        if n == 0:
            return
        pre, post, w, d = self._pending
        pre.append(np.asarray(presynaptic_indices, dtype=np.int64))
        post.append(np.full(n, postsynaptic_index, dtype=np.int64))
        for store, name in ((w, "weight"), (d, "delay")):
            v = connection_parameters[name]
            store.append(np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy())

    # -- connections ------------------------------------------------------------
    def _cache(self):
        """(pre index, post index, weight in PyNN units, delay) of every connection."""
        state = simulator.state
        state.build()
        if self._arrays is not None and self._arrays[4] == (state.t, state.run_count):
            return self._arrays
        lp, lq = self._lookups
        pre, post, w, d = [], [], [], []
        for h in self._parts:
            n = state.sim.proj_size(h)
            gp, gq = state.sim.proj_pairs(h, n)
            pre.append(np.array([lp[g] for g in gp.tolist()], dtype=np.int64))
            post.append(np.array([lq[g] for g in gq.tolist()], dtype=np.int64))
            w.append(state.sim.proj_weights(h, n) / (self._sign * self._scale))
            d.append(state.sim.proj_delays(h, n))
        cat = lambda x, t: np.concatenate(x) if x else np.zeros(0, t)
        self._arrays = (cat(pre, np.int64), cat(post, np.int64), cat(w, float), cat(d, float),
                        (state.t, state.run_count))
        return self._arrays

    def __len__(self):
        simulator.state.build()
        return int(sum(simulator.state.sim.proj_size(h) for h in self._parts))

    def __getitem__(self, i):
        n = len(self)
        if isinstance(i, slice):
            return [Connection(self, k) for k in range(n)[i]]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return Connection(self, i)

    @property
    def connections(self):
        return [Connection(self, k) for k in range(len(self))]

    def _get_attributes_as_list(self, names):
        pre, post, w, d, _ = self._cache()
        cols = []
        for name in names:
            cols.append(self._column(name, pre, post, w, d))
        return list(zip(*[c.tolist() for c in cols]))

    def _column(self, name, pre, post, w, d):
        if name == "presynaptic_index":
            return pre
        if name == "postsynaptic_index":
            return post
        if name == "weight":
            return w
        if name == "delay":
            return d
        ps = self.synapse_type.native_parameters
        if name in ps.keys():
            v = ps[name]
            v.shape = (1,)
            return np.full(len(pre), float(v.evaluate(simplify=True)))
        raise NotImplementedError("pyNN.memspike: connection attribute %s" % name)

    def _get_attributes_as_arrays(self, names, multiple_synapses='sum'):
        pre, post, w, d, _ = self._cache()
        op = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        out = []
        for name in names:
            if name[-1] == "s" and name[:-1] in ("weight", "delay"):
                name = name[:-1]
            col = self._column(name, pre, post, w, d)
            arr = np.full((self.pre.size, self.post.size), np.nan)
            for i, j, v in zip(pre.tolist(), post.tolist(), col.tolist()):
                arr[i, j] = v if np.isnan(arr[i, j]) else op(arr[i, j], v)
            out.append(arr)
        return out

    def _set_attributes(self, parameter_space):
        for name in parameter_space.keys():
            if name != "weight":
                raise NotImplementedError("pyNN.memspike: setting %s of connections (only "
                                          "weights can change once connections exist)" % name)
        pre, post, _w, _d, _ = self._cache()
        v = parameter_space["weight"]
        if v.is_homogeneous:
            v.shape = (1,)
            W = np.full(len(pre), float(v.evaluate(simplify=True)))
        else:
            v.shape = (self.pre.size, self.post.size)
            W = np.asarray(v.evaluate(simplify=False))[pre, post]
        self._set_weights_list(W)

    def _ms_reapply(self):
        if self._user_w is not None:
            self._set_weights_list(self._user_w)

    def _set_weights_list(self, W):
        self._user_w = np.array(W, dtype=float)
        state = simulator.state
        k = 0
        for h in self._parts:
            n = state.sim.proj_size(h)
            state.sim.proj_set_weights(h, W[k:k + n] * self._sign * self._scale)
            k += n
        self._arrays = None
