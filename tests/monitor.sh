#!/bin/sh
# monitor.sh: the live monitor (docs/monitor.md) with the real parts: curl
# during a run (fields consistent with the final --json summary, and equal
# to it after the end), `promtool check metrics` on /metrics, a real
# Prometheus server (Debian's) scraping the run and answering a query for
# memspike_spikes_total, the page in headless Chromium with a screenshot
# whose raster is not empty, a scripted list of malformed, oversized, slow
# and concurrent requests (tests/monitor_abuse.py) during a run whose
# event log must equal a run's without the monitor, 2 ranks, convert, and
# the flags' refusals.  Last line: "monitor: N passed, N failed, N
# skipped"; a missing tool is a skip, a failure under
# MEMSPIKE_TEST_STRICT=1.
set -u
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch monitor
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

# pycheck NAME ARGS...: tests/check_monitor.py, its FAIL lines shown
pycheck() {
  name=$1
  shift
  out=$($PY tests/check_monitor.py "$@" 2>&1)
  st=$?
  n=$(printf '%s\n' "$out" | grep -c '^ok')
  if [ "$st" -eq 0 ] && [ "$n" -gt 0 ]; then
    ok "$name ($n checks)"
  else
    bad "$name (exit $st)" "$(printf '%s\n' "$out" | grep -v '^ok' | head -20)"
  fi
}
# port_of FILE: the port the monitor printed on stderr (waits up to 60 s)
port_of() {
  i=0
  while [ $i -lt 600 ]; do
    p=$(sed -n 's|.*monitor on http://[^ ]*:\([0-9][0-9]*\)/.*|\1|p' "$1" 2>/dev/null)
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
# state_is PORT STATE: wait (up to 120 s) until /status says state STATE
state_is() {
  i=0
  while [ $i -lt 1200 ]; do
    curl -sf "http://127.0.0.1:$1/status" -o "$T/poll.json" 2>/dev/null &&
      grep -q "\"state\": \"$2\"" "$T/poll.json" && grep -qv '"tick": 0,' "$T/poll.json" &&
      return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
if ! command -v curl > /dev/null; then
  skip "monitor tests" "curl missing (make deps)"
  finish monitor
fi

# --- flags --------------------------------------------------------------
B="configs/brunel_delta.ini --set simulation.duration=20 --no-log --quiet"
# shellcheck disable=SC2086
{
expect "--monitor HOST not loopback: refused" 2 "not a loopback address.*--monitor-bind" \
  $BIN run $B --monitor 10.1.2.3:0
expect "--monitor-bind without --monitor: refused" 2 "needs --monitor" \
  $BIN run $B --monitor-bind 127.0.0.1
expect "--monitor with a bad port: refused" 2 "PORT in 0..65535 (got 'x:99999')" \
  $BIN run $B --monitor x:99999
expect "--monitor without a value: refused" 2 "'--monitor' needs a value" $BIN run $B --monitor
expect "--monitor-interval 0: refused" 2 "monitor-interval: expected seconds" \
  $BIN run $B --monitor 0 --monitor-interval 0
expect "--monitor-bind 0.0.0.0: a warning" 0 "warning: the monitor listens on 0.0.0.0, not loopback" \
  $BIN run $B --monitor 0 --monitor-bind 0.0.0.0
expect "--monitor-bind to an address not of this host: exit 1 naming it" 1 \
  "cannot listen on 192.0.2.1 port 0" $BIN run $B --monitor 0 --monitor-bind 192.0.2.1
expect "run --help lists --monitor" 0 "monitor-bind ADDR" $BIN run --help
}

# --- one long run with everything against it ----------------------------
# 2500 ms of Brunel: the reference without the monitor, then with it.
LONG="configs/brunel_delta.ini --set simulation.duration=2500 --quiet"
# shellcheck disable=SC2086
$BIN run $LONG --out "$T/ref" > "$T/ref.txt" 2>&1 || bad "reference run" "$(tail -3 "$T/ref.txt")"
# shellcheck disable=SC2086
$BIN run $LONG --out "$T/mon" --json "$T/mon.json" --monitor 127.0.0.1:0 --monitor-hold 120 \
  > "$T/mon.txt" 2> "$T/mon.err" &
RUN=$!
PIDS="$PIDS $RUN"
if ! P=$(port_of "$T/mon.err"); then
  bad "monitor prints its port" "$(cat "$T/mon.err")"
  finish monitor
fi
ok "port 0: the monitor picked port $P and printed it"
if state_is "$P" running && cp "$T/poll.json" "$T/during.json"; then
  ok "curl /status during the run"
else
  bad "curl /status during the run" "$(cat "$T/poll.json" 2>/dev/null)"
fi
curl -sf "http://127.0.0.1:$P/metrics" -o "$T/during.prom"
if command -v promtool > /dev/null; then
  out=$(promtool check metrics < "$T/during.prom" 2>&1) && ok "promtool check metrics (during the run)" ||
    bad "promtool check metrics (during the run)" "$out"
else
  skip "promtool check metrics" "promtool missing: install prometheus (make deps)"
fi
# Prometheus itself, on loopback, scraping every second.
PROM=""
if command -v prometheus > /dev/null; then
  PP=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > "$T/prom.yml" <<EOF2
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: memspike
    static_configs:
      - targets: ["127.0.0.1:$P"]
EOF2
  prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$PP" > "$T/prom.log" 2>&1 &
  PROM=$!
  PIDS="$PIDS $PROM"
fi
# The abuse list while the run goes on.
out=$($PY tests/monitor_abuse.py 127.0.0.1 "$P" 2>&1)
n=$(printf '%s\n' "$out" | sed -n 's/^abuse: \([0-9]*\) cases, 0 failed$/\1/p')
if [ -n "$n" ] && [ "$n" -ge 50 ]; then
  ok "$n malformed, oversized, slow and concurrent requests answered as they should"
else
  bad "malformed, oversized, slow and concurrent requests" "$(printf '%s\n' "$out" | grep -v '^ok' | head -20)"
fi
if state_is "$P" done; then
  ok "curl /status after the end (state done)"
else
  bad "curl /status after the end" "$(cat "$T/poll.json" 2>/dev/null; tail -3 "$T/mon.err")"
fi
cp "$T/poll.json" "$T/final.json"
curl -sf "http://127.0.0.1:$P/metrics" -o "$T/final.prom"
curl -sf "http://127.0.0.1:$P/spikes?since=0" -o "$T/spikes.json"
pycheck "/status during the run consistent with the final --json summary" during "$T/during.json" "$T/mon.json"
pycheck "/status and /metrics after the end equal the --json summary" final "$T/final.json" "$T/mon.json" "$T/final.prom"
pycheck "/spikes?since=0: bounded, ordered, sampled neurons" spikes "$T/spikes.json" "$T/final.json"
until=$(sed -n 's/.*"until": \([0-9]*\).*/\1/p' "$T/spikes.json")
curl -sf "http://127.0.0.1:$P/spikes?since=$until" | grep -q '"spikes": \[\]' &&
  ok "/spikes?since=UNTIL: nothing newer" || bad "/spikes?since=UNTIL: nothing newer"
h=$(curl -sI "http://127.0.0.1:$P/status")
printf '%s' "$h" | grep -q "200 OK" && printf '%s' "$h" | grep -qi "content-type: application/json" &&
  ok "HEAD /status: 200, JSON" || bad "HEAD /status" "$h"
if command -v promtool > /dev/null; then
  out=$(promtool check metrics < "$T/final.prom" 2>&1) && ok "promtool check metrics (after the end)" ||
    bad "promtool check metrics (after the end)" "$out"
fi
if [ -n "$PROM" ]; then
  i=0
  got=""
  while [ $i -lt 60 ]; do
    if curl -sf "http://127.0.0.1:$PP/api/v1/query?query=memspike_spikes_total" -o "$T/q.json" &&
      grep -q '"result":\[{' "$T/q.json"; then
      got=1
      break
    fi
    sleep 1
    i=$((i + 1))
  done
  if [ -n "$got" ]; then
    pycheck "Prometheus scraped the run and answers memspike_spikes_total" prom "$T/q.json" "$T/mon.json"
  else
    bad "Prometheus scraped the run" "$(cat "$T/q.json" 2>/dev/null; tail -5 "$T/prom.log")"
  fi
  { kill "$PROM" && wait "$PROM"; } 2>/dev/null
else
  skip "Prometheus scrapes the run" "prometheus missing (make deps)"
fi
# The page, rendered by headless Chromium.
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ] && $PY -c 'import PIL' 2> /dev/null; then
  curl -sf "http://127.0.0.1:$P/" -o "$T/page.html"
  if grep -q '<canvas id="raster"' "$T/page.html" && ! grep -Eq '(src|href)="?(https?:)?//' "$T/page.html"; then
    ok "/ is one self-contained page (no external assets)"
  else
    bad "/ is one self-contained page"
  fi
  timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$T/chrome" --window-size=1000,900 --virtual-time-budget=5000 \
    --screenshot="$T/page.png" "http://127.0.0.1:$P/" > "$T/chrome.log" 2>&1
  if [ -s "$T/page.png" ]; then
    pycheck "the page in headless Chromium: raster drawn" raster "$T/page.png"
    [ -n "${MONITOR_SCREENSHOT:-}" ] && cp "$T/page.png" "$MONITOR_SCREENSHOT"
  else
    bad "the page in headless Chromium" "$(tail -5 "$T/chrome.log")"
  fi
else
  skip "the page in headless Chromium" "chromium or python3-pil missing (make deps)"
fi
kill -TERM "$RUN" 2>/dev/null # ends the hold
wait "$RUN"
st=$?
[ "$st" -eq 0 ] && ok "SIGTERM during the hold: exit 0" || bad "SIGTERM during the hold: exit $st"
if cmp -s "$T/ref/events.rank0.msgpack" "$T/mon/events.rank0.msgpack"; then
  ok "event log with the monitor (and the abuse) byte-identical to the run without"
else
  bad "event log with the monitor byte-identical to the run without"
fi

# --- STDP on devices: logs identical, energy so far ------------------------
S="configs/stdp_song2000_ecram.ini --set simulation.duration=3000 --quiet"
# shellcheck disable=SC2086
$BIN run $S --out "$T/s0" --json "$T/s0.json" > /dev/null 2>&1
# shellcheck disable=SC2086
$BIN run $S --out "$T/s1" --json "$T/s1.json" --monitor 0 --monitor-interval 0.01 \
  --monitor-hold 60 > /dev/null 2> "$T/s1.err" &
RUN=$!
PIDS="$PIDS $RUN"
if P=$(port_of "$T/s1.err") && state_is "$P" done; then
  cp "$T/poll.json" "$T/s1.status"
  curl -sf "http://127.0.0.1:$P/metrics" -o "$T/s1.prom"
  pycheck "STDP on ECRAM: final /status equals the summary (energy included)" final "$T/s1.status" "$T/s1.json" "$T/s1.prom"
else
  bad "STDP on ECRAM with the monitor" "$(cat "$T/s1.err")"
fi
kill -TERM "$RUN" 2>/dev/null
wait "$RUN"
cmp -s "$T/s0/events.rank0.msgpack" "$T/s1/events.rank0.msgpack" &&
  ok "STDP on ECRAM, interval 10 ms: event log byte-identical to the run without" ||
  bad "STDP on ECRAM: event log byte-identical to the run without"

# --- 2 ranks ---------------------------------------------------------------
if command -v mpirun > /dev/null; then
  M="configs/brunel_delta.ini --set simulation.duration=400 --quiet"
  # shellcheck disable=SC2086
  $MPIRUN -np 2 $BIN run $M --out "$T/m0" > /dev/null 2>&1
  # shellcheck disable=SC2086
  $MPIRUN -np 2 $BIN run $M --out "$T/m1" --json "$T/m1.json" --monitor 0 --monitor-hold 60 \
    > /dev/null 2> "$T/m1.err" &
  RUN=$!
  PIDS="$PIDS $RUN"
  if P=$(port_of "$T/m1.err") && state_is "$P" done; then
    cp "$T/poll.json" "$T/m1.status"
    curl -sf "http://127.0.0.1:$P/metrics" -o "$T/m1.prom"
    pycheck "2 ranks: final /status and /metrics equal the summary" final "$T/m1.status" "$T/m1.json" "$T/m1.prom"
  else
    bad "2 ranks with the monitor" "$(cat "$T/m1.err")"
  fi
  kill -TERM "$RUN" 2>/dev/null
  wait "$RUN"
  cmp -s "$T/m0/events.rank0.msgpack" "$T/m1/events.rank0.msgpack" &&
    cmp -s "$T/m0/events.rank1.msgpack" "$T/m1/events.rank1.msgpack" &&
    ok "2 ranks: both event logs byte-identical to the run without" ||
    bad "2 ranks: event logs byte-identical to the run without"
else
  skip "2 ranks with the monitor" "mpirun missing (make deps)"
fi

# --- convert ---------------------------------------------------------------
DATA=/usr/share/datasets/fashion-mnist
if [ -d $DATA ]; then
  $BIN convert configs/models/fmnist_cnn.msgpack --data $DATA --images 600 --steps 16,32 \
    --calib 100 --quiet --json "$T/c.json" --monitor 0 --monitor-interval 0.2 --monitor-hold 60 \
    > /dev/null 2> "$T/c.err" &
  RUN=$!
  PIDS="$PIDS $RUN"
  if P=$(port_of "$T/c.err") && state_is "$P" done; then
    cp "$T/poll.json" "$T/c.status"
    i=0
    while [ ! -s "$T/c.json" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    pycheck "convert: /status ends with the results' images and accuracy" convert "$T/c.status" "$T/c.json"
    curl -sf "http://127.0.0.1:$P/metrics" -o "$T/c.prom"
    if command -v promtool > /dev/null; then
      out=$(promtool check metrics < "$T/c.prom" 2>&1) && ok "convert: promtool check metrics" ||
        bad "convert: promtool check metrics" "$out"
    fi
  else
    bad "convert with the monitor" "$(cat "$T/c.err")"
  fi
  { kill -TERM "$RUN" && wait "$RUN"; } 2>/dev/null # convert has no handler: killed
else
  skip "convert with the monitor" "$DATA missing: install dataset-fashion-mnist (make deps)"
fi
finish monitor
