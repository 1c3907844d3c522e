"""
_lib.py: libmemspike through ctypes (include/memspike.h, docs/c-api.md).

The one place that knows the C signatures.  Every call that returns an
ms_status goes through `check`, which turns a failure into MemspikeError
(ValueError for bad configuration values, so PyNN-level code reports them
as bad parameters) carrying the library's own message, the same text a
config file gets.  Why ctypes (docs/python.md, "PyNN"): it is in the
standard library, needs no build step and no compiler at install time, and
works with Debian's /usr/bin/python3 as it is; the API is plain C types.

The library is found, in order: $MEMSPIKE_LIB (a path), the path written
at install time in _libpath.py, then the dynamic linker's search
(ctypes.util.find_library("memspike")).
"""

import ctypes
import ctypes.util
import os

import numpy as np

MS_OK = 0
MS_ECONFIG = -3
MS_ESTATE = -10
MS_EUNSUPPORTED = -11


class MemspikeError(RuntimeError):
    """A libmemspike call failed: .status is the ms_status, the message
    the library's."""

    def __init__(self, status, message, call):
        RuntimeError.__init__(self, "%s: %s" % (call, message))
        self.status = status
        self.call = call
        self.detail = message


class MemspikeConfigError(MemspikeError, ValueError):
    """A bad model, key or value (MS_ECONFIG)."""


def _find_library():
    path = os.environ.get("MEMSPIKE_LIB")
    if path:
        return path
    try:
        from ._libpath import LIBRARY
        if os.path.exists(LIBRARY):
            return LIBRARY
    except ImportError:
        pass
    found = ctypes.util.find_library("memspike")
    if found:
        return found
    raise ImportError("pyNN.memspike: libmemspike.so not found: set MEMSPIKE_LIB to its path "
                      "(build/libmemspike.so after `make`), or `make install` memspike")


_c = ctypes.CDLL(_find_library(), mode=ctypes.RTLD_GLOBAL)

c_int_p = ctypes.POINTER(ctypes.c_int)
c_u32_p = ctypes.POINTER(ctypes.c_uint32)
c_dbl_p = ctypes.POINTER(ctypes.c_double)
c_size_p = ctypes.POINTER(ctypes.c_size_t)
c_u64_p = ctypes.POINTER(ctypes.c_uint64)
c_str_arr = ctypes.POINTER(ctypes.c_char_p)
SIM = ctypes.c_void_p


def _sig(name, restype, *argtypes):
    f = getattr(_c, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_sig("ms_version", ctypes.c_char_p)
_sig("ms_error_message", ctypes.c_char_p)
_sig("ms_error_clear", None)
_sig("ms_strerror", ctypes.c_char_p, ctypes.c_int)
_sig("ms_init", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_sig("ms_finalize", None)
_sig("ms_rank", ctypes.c_int)
_sig("ms_nranks", ctypes.c_int)
_sig("ms_sim_create", ctypes.c_int, c_str_arr, c_str_arr, ctypes.c_int,
     ctypes.POINTER(SIM))
_sig("ms_sim_destroy", None, SIM)
_sig("ms_sim_add_population", ctypes.c_int, SIM, ctypes.c_char_p, ctypes.c_char_p,
     ctypes.c_uint32, c_str_arr, c_str_arr, ctypes.c_int, c_int_p)
_sig("ms_sim_add_projection", ctypes.c_int, SIM, ctypes.c_char_p, ctypes.c_int,
     ctypes.c_int, ctypes.c_char_p, c_str_arr, c_str_arr, ctypes.c_int, c_int_p)
_sig("ms_sim_add_projection_list", ctypes.c_int, SIM, ctypes.c_char_p, ctypes.c_int,
     ctypes.c_int, ctypes.c_size_t, c_u32_p, c_u32_p, c_dbl_p, c_dbl_p,
     c_str_arr, c_str_arr, ctypes.c_int, c_int_p)
_sig("ms_sim_record", ctypes.c_int, SIM, ctypes.c_int, ctypes.c_char_p, ctypes.c_double,
     ctypes.c_uint32, ctypes.c_uint32, c_int_p)
_sig("ms_pop_set_initial", ctypes.c_int, SIM, ctypes.c_int, ctypes.c_char_p, c_dbl_p,
     ctypes.c_size_t)
_sig("ms_pop_first_gid", ctypes.c_int, SIM, ctypes.c_int, c_u32_p)
_sig("ms_pop_get_param", ctypes.c_int, SIM, ctypes.c_int, ctypes.c_char_p, c_dbl_p)
_sig("ms_pop_set_param", ctypes.c_int, SIM, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p)
_sig("ms_sim_run", ctypes.c_int, SIM, ctypes.c_double)
_sig("ms_sim_run_until", ctypes.c_int, SIM, ctypes.c_double)
_sig("ms_sim_reset", ctypes.c_int, SIM)
_sig("ms_sim_time", ctypes.c_int, SIM, c_dbl_p)
_sig("ms_sim_min_delay", ctypes.c_int, SIM, c_dbl_p)
_sig("ms_sim_max_delay", ctypes.c_int, SIM, c_dbl_p)
_sig("ms_rec_spike_count", ctypes.c_int, SIM, ctypes.c_int, c_size_p)
_sig("ms_rec_spikes", ctypes.c_int, SIM, ctypes.c_int, c_dbl_p, c_u32_p, ctypes.c_size_t)
_sig("ms_rec_sample_shape", ctypes.c_int, SIM, ctypes.c_int, c_size_p, c_u32_p, c_u32_p)
_sig("ms_rec_sample_gids", ctypes.c_int, SIM, ctypes.c_int, c_u32_p, ctypes.c_uint32)
_sig("ms_rec_sample_var", ctypes.c_int, SIM, ctypes.c_int, ctypes.c_uint32,
     ctypes.POINTER(ctypes.c_char_p))
_sig("ms_rec_samples", ctypes.c_int, SIM, ctypes.c_int, c_dbl_p, c_dbl_p, ctypes.c_size_t)
_sig("ms_rec_clear", ctypes.c_int, SIM, ctypes.c_int)
_sig("ms_proj_size", ctypes.c_int, SIM, ctypes.c_int, c_u64_p)
_sig("ms_proj_pairs", ctypes.c_int, SIM, ctypes.c_int, c_u32_p, c_u32_p, ctypes.c_size_t)
_sig("ms_proj_weights", ctypes.c_int, SIM, ctypes.c_int, c_dbl_p, ctypes.c_size_t)
_sig("ms_proj_delays", ctypes.c_int, SIM, ctypes.c_int, c_dbl_p, ctypes.c_size_t)
_sig("ms_proj_set_weights", ctypes.c_int, SIM, ctypes.c_int, c_dbl_p, ctypes.c_size_t)


def check(status, call):
    """Raise the library's error for a failing status."""
    if status == MS_OK:
        return
    msg = (_c.ms_error_message() or _c.ms_strerror(status) or b"").decode("utf-8", "replace")
    _c.ms_error_clear()
    cls = MemspikeConfigError if status == MS_ECONFIG else MemspikeError
    raise cls(status, msg, call)


def _strings(items):
    items = [str(x).encode("utf-8") for x in items]
    arr = (ctypes.c_char_p * max(len(items), 1))(*items)
    return arr


def _kv(params):
    keys = list(params.keys())
    return _strings(keys), _strings([params[k] for k in keys]), len(keys)


def _dbl(a):
    a = np.ascontiguousarray(a, dtype=np.float64)
    return a, a.ctypes.data_as(c_dbl_p)


def _u32(a):
    a = np.ascontiguousarray(a, dtype=np.uint32)
    return a, a.ctypes.data_as(c_u32_p)


def version():
    return _c.ms_version().decode()


def init():
    check(_c.ms_init(None, None), "ms_init")


def finalize():
    _c.ms_finalize()


def rank():
    return _c.ms_rank()


def nranks():
    return _c.ms_nranks()


class Sim(object):
    """One ms_sim: the calls the backend makes, with numpy in and out."""

    def __init__(self, sim_keys):
        k, v, n = _kv(sim_keys)
        h = SIM()
        check(_c.ms_sim_create(k, v, n, ctypes.byref(h)), "ms_sim_create")
        self.h = h

    def destroy(self):
        if self.h:
            _c.ms_sim_destroy(self.h)
            self.h = None

    def add_population(self, name, model, n, params):
        k, v, nkv = _kv(params)
        idx = ctypes.c_int()
        check(_c.ms_sim_add_population(self.h, name.encode(), model.encode(), n, k, v, nkv,
                                       ctypes.byref(idx)),
              "population %s (%s)" % (name, model))
        return idx.value

    def add_projection(self, name, src, tgt, rule, params):
        k, v, nkv = _kv(params)
        idx = ctypes.c_int()
        check(_c.ms_sim_add_projection(self.h, name.encode(), src, tgt, rule.encode(), k, v, nkv,
                                       ctypes.byref(idx)),
              "projection %s (%s)" % (name, rule))
        return idx.value

    def add_projection_list(self, name, src, tgt, pre, post, weight, delay, params):
        pre, ppre = _u32(pre)
        post, ppost = _u32(post)
        weight, pw = _dbl(weight)
        delay, pd = _dbl(delay)
        k, v, nkv = _kv(params)
        idx = ctypes.c_int()
        check(_c.ms_sim_add_projection_list(self.h, name.encode(), src, tgt, len(pre), ppre,
                                            ppost, pw, pd, k, v, nkv, ctypes.byref(idx)),
              "projection %s (list)" % name)
        return idx.value

    def record(self, pop, what, interval_ms, first, count):
        idx = ctypes.c_int()
        check(_c.ms_sim_record(self.h, pop, what.encode(), interval_ms, first, count,
                               ctypes.byref(idx)), "record %s" % what)
        return idx.value

    def set_initial(self, pop, var, values):
        a, p = _dbl(np.atleast_1d(values))
        check(_c.ms_pop_set_initial(self.h, pop, var.encode(), p, len(a)),
              "initial value %s" % var)

    def first_gid(self, pop):
        g = ctypes.c_uint32()
        check(_c.ms_pop_first_gid(self.h, pop, ctypes.byref(g)), "ms_pop_first_gid")
        return g.value

    def set_param(self, pop, key, text):
        return _c.ms_pop_set_param(self.h, pop, key.encode(), str(text).encode())

    def run(self, ms):
        check(_c.ms_sim_run(self.h, ms), "run")

    def run_until(self, ms):
        check(_c.ms_sim_run_until(self.h, ms), "run_until")

    def reset(self):
        check(_c.ms_sim_reset(self.h), "reset")

    def time(self):
        t = ctypes.c_double()
        check(_c.ms_sim_time(self.h, ctypes.byref(t)), "ms_sim_time")
        return t.value

    def min_delay(self):
        t = ctypes.c_double()
        check(_c.ms_sim_min_delay(self.h, ctypes.byref(t)), "ms_sim_min_delay")
        return t.value

    def spikes(self, rec):
        n = ctypes.c_size_t()
        check(_c.ms_rec_spike_count(self.h, rec, ctypes.byref(n)), "ms_rec_spike_count")
        t = np.empty(n.value, np.float64)
        g = np.empty(n.value, np.uint32)
        if n.value:
            check(_c.ms_rec_spikes(self.h, rec, t.ctypes.data_as(c_dbl_p),
                                   g.ctypes.data_as(c_u32_p), n.value), "ms_rec_spikes")
        return t, g

    def samples(self, rec):
        """(times (T,), gids (N,), variable names, values (T, N, V))"""
        nr, ng, nv = ctypes.c_size_t(), ctypes.c_uint32(), ctypes.c_uint32()
        check(_c.ms_rec_sample_shape(self.h, rec, ctypes.byref(nr), ctypes.byref(ng),
                                     ctypes.byref(nv)), "ms_rec_sample_shape")
        nr, ng, nv = nr.value, ng.value, nv.value
        gids = np.empty(ng, np.uint32)
        check(_c.ms_rec_sample_gids(self.h, rec, gids.ctypes.data_as(c_u32_p), ng),
              "ms_rec_sample_gids")
        names = []
        for v in range(nv):
            s = ctypes.c_char_p()
            check(_c.ms_rec_sample_var(self.h, rec, v, ctypes.byref(s)), "ms_rec_sample_var")
            names.append(s.value.decode())
        t = np.empty(nr, np.float64)
        vals = np.empty(nr * ng * nv, np.float64)
        if nr:
            check(_c.ms_rec_samples(self.h, rec, t.ctypes.data_as(c_dbl_p),
                                    vals.ctypes.data_as(c_dbl_p), nr), "ms_rec_samples")
        return t, gids, names, vals.reshape(nr, ng, nv)

    def rec_clear(self, rec):
        check(_c.ms_rec_clear(self.h, rec), "ms_rec_clear")

    def proj_size(self, proj):
        n = ctypes.c_uint64()
        check(_c.ms_proj_size(self.h, proj, ctypes.byref(n)), "ms_proj_size")
        return n.value

    def proj_pairs(self, proj, n):
        pre = np.empty(n, np.uint32)
        post = np.empty(n, np.uint32)
        if n:
            check(_c.ms_proj_pairs(self.h, proj, pre.ctypes.data_as(c_u32_p),
                                   post.ctypes.data_as(c_u32_p), n), "ms_proj_pairs")
        return pre, post

    def proj_weights(self, proj, n):
        w = np.empty(n, np.float64)
        if n:
            check(_c.ms_proj_weights(self.h, proj, w.ctypes.data_as(c_dbl_p), n),
                  "ms_proj_weights")
        return w

    def proj_delays(self, proj, n):
        d = np.empty(n, np.float64)
        if n:
            check(_c.ms_proj_delays(self.h, proj, d.ctypes.data_as(c_dbl_p), n),
                  "ms_proj_delays")
        return d

    def proj_set_weights(self, proj, w):
        a, p = _dbl(w)
        check(_c.ms_proj_set_weights(self.h, proj, p, len(a)), "set weights")
