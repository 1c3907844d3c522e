"""_varint.py: unsigned LEB128 varints, decoded with numpy (the payload of
a version-2 packed spike block, docs/log-format.md).

decode(buf) -> uint64 array of every varint in buf, or raises VarintError
saying which varint (index and byte offset) is bad: more than 10 bytes,
a value beyond 2^64 - 1, or a last varint cut off.  pack(values) is the
writer's shortest form, for tests.
"""
import numpy as np


class VarintError(ValueError):
    """A malformed varint payload; .index is the varint, .offset its byte."""

    def __init__(self, msg, index, offset):
        super().__init__(msg)
        self.index = index
        self.offset = offset


def decode(buf):
    b = np.frombuffer(buf, dtype=np.uint8)
    if b.size == 0:
        return np.zeros(0, dtype=np.uint64)
    last = (b & 0x80) == 0                      # a varint's last byte
    ends = np.flatnonzero(last)
    nvals = ends.size
    if nvals == 0 or ends[-1] != b.size - 1:
        start = ends[-1] + 1 if nvals else 0
        raise VarintError("varint %d at payload byte %d is cut off (its last byte has the "
                          "continuation bit set)" % (nvals, start), nvals, int(start))
    starts = np.empty(nvals, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lens = ends - starts + 1
    if lens.max() > 10:
        k = int(np.argmax(lens > 10))
        raise VarintError("varint %d at payload byte %d is longer than 10 bytes"
                          % (k, starts[k]), k, int(starts[k]))
    k = np.repeat(np.arange(nvals), lens)       # which varint each byte is in
    pos = np.arange(b.size) - starts[k]         # byte's place in its varint
    big = pos == 9
    if np.any(b[big] > 1):                      # 10th byte holds bit 63 only
        j = int(k[np.flatnonzero(big & (b > 1))[0]])
        raise VarintError("varint %d at payload byte %d exceeds 2^64 - 1" % (j, starts[j]),
                          j, int(starts[j]))
    part = (b & 0x7F).astype(np.uint64) << (7 * pos).astype(np.uint64)
    return np.bitwise_or.reduceat(part, starts)


def pack(values):
    """The shortest LEB128 encoding of each non-negative integer in values."""
    out = bytearray()
    for v in values:
        v = int(v)
        if v < 0:
            raise ValueError("varint: negative value %d" % v)
        while True:
            byte = v & 0x7F
            v >>= 7
            if v:
                out.append(byte | 0x80)
            else:
                out.append(byte)
                break
    return bytes(out)
