#!/usr/bin/python3
"""monitor_abuse.py HOST PORT: malformed, oversized, slow and concurrent
requests against a running memspike monitor (tests/monitor.sh).  Each case
says what it wants back: a status code (the first line of the answer), or
that the server closes the connection without a 200.  Prints one line per
case ("ok NAME" / "FAIL NAME: why") and a last line "abuse: N cases, F
failed"; exit 1 if any failed.  After all cases, /status must answer 200.
"""
import socket
import sys
import threading
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])


def talk(data, timeout=8.0, pause=None):
    """Send data (bytes, or a list of chunks with pause seconds between),
    return what came back until close or timeout."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        chunks = data if isinstance(data, list) else [data]
        for k, c in enumerate(chunks):
            if k and pause:
                time.sleep(pause)
            try:
                s.sendall(c)
            except OSError:
                break
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not b:
                break
            out += b
            if b"\r\n\r\n" in out and (b"Content-Length: 0" in out or len(out) > 200000):
                break
        return out
    finally:
        s.close()


def status_of(resp):
    line = resp.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def get(path, method="GET", extra=b""):
    return (method.encode() + b" " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + extra + b"\r\n")


cases = []  # (name, request bytes or callable, want): want an int status, "no200", or a check fn


def case(name, req, want):
    cases.append((name, req, want))


# Methods other than GET and HEAD: 405.
for m in ["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "CONNECT"]:
    case("method %s -> 405" % m, get(b"/status", m, b"Content-Length: 0\r\n"), 405)
# Unknown paths and traversal: 404.
for p in [b"/etc/passwd", b"/../../etc/passwd", b"/status/", b"/STATUS", b"/status.json",
          b"/%2e%2e/%2e%2e/etc/passwd", b"/metrics/../status", b"//status", b"/index.html",
          b"/favicon.ico", b"/spikes/1", b"/a" * 200]:
    case("path %r -> 404" % p[:40], get(p), 404)
# Query parameters beyond the documented ones: 400 naming them.
for q, pname in [(b"/status?x=1", b"'x'"), (b"/metrics?debug=1", b"'debug'"),
                 (b"/?file=/etc/passwd", b"'file'"), (b"/spikes?since=0&limit=9", b"'limit'"),
                 (b"/spikes?until=5", b"'until'"), (b"/spikes?SINCE=5", b"'SINCE'")]:
    case("query %r -> 400 naming %s" % (q, pname), get(q),
         lambda r, pname=pname: status_of(r) == 400 and pname in r)
# Bad values of since: 400.
for v in [b"-1", b"abc", b"1e5", b"", b"99999999999999999999", b"0x10", b"1.5", b"%00"]:
    case("since=%r -> 400" % v, get(b"/spikes?since=" + v), 400)
case("since twice -> 400", get(b"/spikes?since=1&since=2"), 400)
# Good requests still good.
case("GET /status -> 200", get(b"/status"), 200)
case("HEAD /status -> 200", get(b"/status", "HEAD"), 200)
case("GET /spikes?since=0 -> 200", get(b"/spikes?since=0"), 200)
case("absolute URI -> 200", get(b"http://127.0.0.1/status"), 200)
# Malformed request lines and headers: 400 (or closed, never 200).
for name, raw in [
        ("garbage bytes", b"\x00\x01\x02\xff\xfe\r\n\r\n"),
        ("no version", b"GET /status\r\n\r\n"),
        ("bad version", b"GET /status HTTP/9.9\r\nHost: x\r\n\r\n"),
        ("lowercase method", b"get /status HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("unknown method", b"FROB /status HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("header without colon", b"GET /status HTTP/1.1\r\nHost x\r\n\r\n"),
        ("NUL in path", b"GET /sta\x00tus HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("space-only line", b"   \r\n\r\n"),
        ("bare LF flood", b"\n" * 5000),
        ("negative content-length", b"GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
        ("huge content-length", b"GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n"),
        ("body over the limit", b"GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"a" * 5000),
]:
    case("malformed: " + name, raw, "no200")
# Oversized: request line or headers beyond 8 KB.
case("request line of 9 KB", get(b"/status?" + b"a" * 9000), "no200")
case("one header of 9 KB", get(b"/status", extra=b"X-Big: " + b"b" * 9000 + b"\r\n"), "no200")
case("2000 small headers", get(b"/status", extra=b"".join(b"X-%d: y\r\n" % k for k in range(2000))), "no200")
case("URL of 64 KB", get(b"/" + b"c" * 65536), "no200")
case("headers of 1 MB, never ending",
     lambda: talk([b"GET /status HTTP/1.1\r\n"] + [b"X: " + b"d" * 1000 + b"\r\n"] * 1000), "no200")
# Slow: a request sent a byte at a time over ~2 s still answered; one that
# stops half-way is closed by the idle timeout (5 s) without an answer.
case("slow but complete (byte by byte)",
     lambda: talk([bytes([b]) for b in get(b"/status")], pause=0.02), 200)
def stalled():
    """Half a request, then nothing: closed by the server (idle timeout,
    5 s) well before our own 12 s, without an answer."""
    t0 = time.time()
    r = talk([b"GET /status HTTP/1.1\r\nHo"], timeout=12)
    return r if time.time() - t0 < 9 else b"HTTP/1.1 200 (still open after 9 s)"


case("stalled half-way: closed by the idle timeout", stalled, "no200")


def run_case(name, req, want):
    try:
        r = req() if callable(req) else talk(req)
    except OSError as e:
        r = b""
        if want != "no200":
            return "connection error %s" % e
    st = status_of(r)
    if want == "no200":
        return None if st != 200 else "answered 200: %r" % r[:80]
    if callable(want):
        return None if want(r) else "answer %r" % r[:160]
    return None if st == want else "status %s, wanted %s: %r" % (st, want, r[:120])


failed = 0
results = []
lock = threading.Lock()


def worker(items):
    for name, req, want in items:
        why = run_case(name, req, want)
        with lock:
            results.append((name, why))


# Slow cases in threads beside the rest, so they overlap.
slow = [c for c in cases if callable(c[1])]
fast = [c for c in cases if c not in slow]
threads = [threading.Thread(target=worker, args=([c],)) for c in slow]
for t in threads:
    t.start()
worker(fast)

# Concurrent: 60 connections at once (the server serves 32 at a time, the
# rest wait in the backlog), each a GET /status: all answered 200.
conc = []


def one(k):
    why = run_case("concurrent %d" % k, get(b"/status" if k % 2 else b"/metrics"), 200)
    with lock:
        conc.append(why)


ct = [threading.Thread(target=one, args=(k,)) for k in range(60)]
for t in ct:
    t.start()
for t in ct:
    t.join()
bad_conc = [w for w in conc if w]
results.append(("60 concurrent GETs all 200", None if not bad_conc else "%d failed: %s" % (len(bad_conc), bad_conc[0])))
# 40 idle connections held open (more than the 32 served at once), then a
# request: answered once the idle ones time out (5 s), within 15 s.
idle = []
for k in range(40):
    try:
        idle.append(socket.create_connection((HOST, PORT), timeout=2))
    except OSError:
        pass
t0 = time.time()
try:
    r = talk(get(b"/status"), timeout=15)
    why = None if status_of(r) == 200 else "status %s" % status_of(r)
except OSError as e:
    why = str(e)
results.append(("40 idle connections held: a new request still answered", why))
for s in idle:
    s.close()
for t in threads:
    t.join()

for name, why in results:
    if why:
        failed += 1
        print("FAIL %s: %s" % (name, why))
    else:
        print("ok %s" % name)
r = talk(get(b"/status"))
final = status_of(r) == 200
print("ok monitor answers /status after all cases" if final else "FAIL monitor answers /status after all cases")
failed += 0 if final else 1
print("abuse: %d cases, %d failed" % (len(results) + 1, failed))
sys.exit(1 if failed else 0)
