#!/usr/bin/env bash
# edgewatch's HTTP speed in one run, against nginx returning the same bytes.
#
# Builds release, pins every server to SERVER_CPU and wrk (and any CRM) to LOAD_CPU, one core
# each, and prints one table: req/s, p50 and p99 latency, and each line's ratio to nginx (and,
# with PEER_DIR, to the original worker) from this same run. Every line is measured ROUNDS times
# and the table gives each column's median: a shared machine's noise moves single runs by 10 % or
# more. The hot lookups, /health and nginx take their rounds in turn, so drift hits all three.
#   Benchmarks/http.sh                          # 3 rounds of 10 s per line, 32 connections, cores 1 and 0
#   ROUNDS=5 DURATION=30s CONNECTIONS=64 Benchmarks/http.sh
#   PEER_DIR=../shared/peer Benchmarks/http.sh  # adds the original worker on Node (serve.mjs and
#                                               # its mock CRM, which both cold lines then use)
#   MEMORY_ENTRIES="100000 1000000"             # the memory lines (the default; "" skips them):
#                                               # RSS per cached customer at each count
# Needs wrk, taskset, curl and python3; nginx (Debian package `nginx`) for the ceiling line and
# node for the worker's lines, each skipped when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT=${PORT:-18787}
NGINX_PORT=${NGINX_PORT:-18788}
REC_PORT=${REC_PORT:-18794}
CRM_PORT=${CRM_PORT:-18790}
PEER_PORT=${PEER_PORT:-18792}
CALLERS=${CALLERS:-100}
# Cold lines: a million callers in turn (the CRM knows the first 10,000), so no answer repeats.
COLD_CALLERS=${COLD_CALLERS:-1000000}
MEMORY_ENTRIES=${MEMORY_ENTRIES-100000 1000000}
MEM_PORT=${MEM_PORT:-18796}
PEER_DIR=${PEER_DIR:-}
work=$(mktemp -d)
pids=()
cleanup() {  # (a server paused by `pause` is woken first, or it would never see the signal)
  for pid in ${pids[@]+"${pids[@]}"}; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS must be 1 to 99" >&2; exit 2; }
for tool in wrk taskset curl python3; do
  command -v "$tool" >/dev/null || { echo "http.sh needs $tool" >&2; exit 2; }
done
if [ -n "$PEER_DIR" ] && { [ ! -f "$PEER_DIR/serve.mjs" ] || [ ! -f "$PEER_DIR/mock_crm.mjs" ] || ! command -v node >/dev/null; }; then
  echo "PEER_DIR needs node and a folder with serve.mjs and mock_crm.mjs" >&2
  exit 2
fi
swift build -c release --product edgewatch >&2
bin=.build/release/edgewatch

wait_for() {  # url: answered by the process started last (not by a leftover on the port)
  for _ in $(seq 1 100); do
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "the server for $1 exited; see its log" >&2; exit 1; }
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answered at $1" >&2; exit 1
}

for port in "$PORT" "$NGINX_PORT" "$REC_PORT" "$CRM_PORT" $((CRM_PORT + 1)) "$PEER_PORT" "$MEM_PORT" $((MEM_PORT + 1)) $((MEM_PORT + 2)); do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then echo "port $port is already in use" >&2; exit 2; fi
done
# The servers here run open on loopback: credentials from the caller's environment would refuse wrk.
unset LOOKUP_BEARER_TOKEN LOOKUP_BASIC_AUTH READ_TOKEN INGEST_TOKEN REPORT_TOKEN CRM_API_BASE EDGE_COLO

start() {  # cpu log command... (the last started is stopped by `stop`)
  local cpu=$1 log=$2
  shift 2
  taskset -c "$cpu" "$@" >"$work/$log" 2>&1 &
  pids+=($!)
}

stop() {  # [pid]: the given server, else the last started
  local pid=${1:-${pids[-1]}} kept=() p
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  pids=(${kept[@]+"${kept[@]}"})
}

cpu_ticks() {  # pid: user + system CPU so far, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
rss_kib() {  # pid
  awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}
cache_entries() {  # metrics url: entries in every colo's cache
  curl -fsS --max-time 10 "$1" | awk '/^edgewatch_cache_entries\{/ { n += $2 } END { printf "%d\n", n }'
}

warm() {  # lookup url: the hot line's callers, each once
  for i in $(seq 0 $((CALLERS - 1))); do
    curl -fsS -o /dev/null -X POST "$1" -d "$(printf '{"ani":"+1555%07d"}' "$i")"
  done
}

# One wrk run: prints "req/s p50 p99 errors" (latencies in ms; errors are non-2xx answers and
# socket errors, which would otherwise pass for fast answers).
measure() {  # url [wrk script [its arguments...]]
  local url=$1; shift
  if [ $# -gt 0 ]; then
    local script=$1
    shift
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "$url" -- "$@" >"$work/wrk.out"
  else
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$work/wrk.out"
  fi
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
    $1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses/ { errors += $NF }
    /Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) errors += $i + 0 }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, errors }' "$work/wrk.out"
}

# The rounds of one line: each column's median (the middle round, or the mean of the two middle
# ones), errors summed over every round.
median() {  # "rps p50 p99 errors" lines on stdin
  python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
cols = list(zip(*rows))
print("%.0f %.2f %.2f %d" % (statistics.median(map(float, cols[0])), statistics.median(map(float, cols[1])),
                             statistics.median(map(float, cols[2])), sum(map(int, cols[3]))))'
}
declare -A rounds

lookup="http://127.0.0.1:$PORT/lookup/customer"

# Hot: CALLERS callers over and over, every answer from the cache (warmed first).
start "$SERVER_CPU" serve.log "$bin" serve --port "$PORT" --log-level warning
hot_pid=${pids[-1]}
wait_for "http://127.0.0.1:$PORT/health"
warm "$lookup"
body=$(curl -fsS -X POST "$lookup" -d '{"ani":"+15550000000"}')

# The ceiling: nginx returning the hot lookup's bytes, one worker on the same core.
nginx_pid=
if command -v nginx >/dev/null; then
  mkdir -p "$work/nginx"
  # `return` answers any method; the body is quoted for nginx (\ and ' escaped; JSON has no $ here).
  quoted=$(printf '%s' "$body" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g")
  cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 200 '$quoted'; }
  }
}
CONF
  start "$SERVER_CPU" nginx.log nginx -c "$work/nginx.conf" -p "$work/nginx" -e "$work/nginx/error.log"
  nginx_pid=${pids[-1]}
  wait_for "http://127.0.0.1:$NGINX_PORT/"
  [ "$(curl -fsS -X POST "http://127.0.0.1:$NGINX_PORT/lookup/customer" -d '{}')" = "$body" ] || { echo "nginx does not return the same bytes" >&2; exit 1; }
fi

# The same hot lookups on a server that records every event (--record), for what recording costs.
start "$SERVER_CPU" serve-rec.log "$bin" serve --port "$REC_PORT" --log-level warning --record "$work/recording" --record-max-bytes 8GiB
rec_pid=${pids[-1]}
wait_for "http://127.0.0.1:$REC_PORT/health"
warm "http://127.0.0.1:$REC_PORT/lookup/customer"

# The servers not being measured are stopped (SIGSTOP) meanwhile, so the one measured has the
# core to itself, as when each ran alone.
pause() { [ -z "${1:-}" ] || kill -STOP "$1"; }
resume() { [ -z "${1:-}" ] || kill -CONT "$1"; }
only() {  # pid: every server of the hot lines stopped but this one
  for pid in "$hot_pid" "$rec_pid" "$nginx_pid"; do [ "$pid" = "$1" ] && resume "$pid" || pause "$pid"; done
}
for _ in $(seq "$ROUNDS"); do
  only "$hot_pid"
  rounds[hot]+=$(measure "$lookup" Benchmarks/http/lookup.lua "$CALLERS")$'\n'
  rounds[health]+=$(measure "http://127.0.0.1:$PORT/health" Benchmarks/http/health.lua)$'\n'
  only "$rec_pid"
  rounds[hot_rec]+=$(measure "http://127.0.0.1:$REC_PORT/lookup/customer" Benchmarks/http/lookup.lua "$CALLERS")$'\n'
  if [ -n "$nginx_pid" ]; then
    only "$nginx_pid"
    rounds[nginx]+=$(measure "http://127.0.0.1:$NGINX_PORT/lookup/customer" Benchmarks/http/lookup.lua "$CALLERS")$'\n'
  fi
done
for pid in "$hot_pid" "$rec_pid" "$nginx_pid"; do resume "$pid"; done
sleep 1
recorded=$(curl -fsS "http://127.0.0.1:$REC_PORT/metrics" | awk '
  index($0, "edgewatch_recording_events_total{outcome=\"written\"}") == 1 { written = $2 }
  index($0, "edgewatch_recording_events_total{outcome=\"dropped") == 1 { dropped += $2 }
  index($0, "edgewatch_recording_bytes_total ") == 1 { bytes = $2 }
  END { printf "%d events written (%d dropped), %.1f bytes an event", written, dropped, (written > 0 ? bytes / written : 0) }')
stop "$rec_pid"
dropped=$(curl -fsS "http://127.0.0.1:$PORT/api/snapshot" | python3 -c '
import json, sys
e = json.load(sys.stdin)["events"]
print("%s dropped, %s refused" % (e.get("droppedQueueFull", "?"), e.get("refusedQueueFull", "?")))' 2>/dev/null || echo "?")
[ -z "$nginx_pid" ] || stop "$nginx_pid"
stop "$hot_pid"

# The CRM for the cold lines, on the load core: the worker's mock CRM with PEER_DIR, else ours.
if [ -n "$PEER_DIR" ]; then
  start "$LOAD_CPU" crm.log env CRM_PORT="$CRM_PORT" node "$PEER_DIR/mock_crm.mjs"
  crm_name="the worker's mock CRM"
else
  start "$LOAD_CPU" crm.log "$bin" crm-sim --port "$CRM_PORT" --admin-port $((CRM_PORT + 1)) --log-level warning
  crm_name="edgewatch crm-sim"
fi
crm_pid=${pids[-1]}
wait_for "http://127.0.0.1:$CRM_PORT/api/v2/customers?phone=%2B15550000000"

# Cold: a one-entry cache and a million callers in turn, so every lookup calls the CRM.
start "$SERVER_CPU" serve.log "$bin" serve --port "$PORT" --log-level warning --cache-capacity 1 \
  --crm-url "http://127.0.0.1:$CRM_PORT/api/v2"
wait_for "http://127.0.0.1:$PORT/health"
# Each round starts again at caller 0; a one-entry cache has long forgotten it. The CRM's CPU
# over the rounds is reported: it shares the load core with wrk.
crm_ticks=$(cpu_ticks "$crm_pid")
cold_started=$(date +%s.%N)
for _ in $(seq "$ROUNDS"); do rounds[cold]+=$(measure "$lookup" Benchmarks/http/lookup.lua "$COLD_CALLERS")$'\n'; done
crm_cpu=$(awk -v t="$(( $(cpu_ticks "$crm_pid") - crm_ticks ))" -v hz="$(getconf CLK_TCK)" -v s="$(date +%s.%N)" -v s0="$cold_started" \
  'BEGIN { printf "%.0f %% of a core", 100 * t / hz / (s - s0) }')
# Fail-open answers (breaker open, bulkhead full) are fast 200s: say how many there were.
cold_health=$(curl -fsS "http://127.0.0.1:$PORT/api/snapshot" | python3 -c '
import json, sys
s = json.load(sys.stdin); f = s["all"]["figures"]
print("CRM error rate %s %%, breaker %s" % (round(f["crmErrorRate"].get("value") or 0, 1), (s.get("breaker") or {}).get("state", "?")))' 2>/dev/null || echo "?")
stop

# The original worker on Node, unmodified, on the same core, with the same callers.
if [ -n "$PEER_DIR" ]; then
  peer() {
    start "$SERVER_CPU" peer.log env PORT="$PEER_PORT" CRM_MOCK_ORIGIN="http://127.0.0.1:$CRM_PORT" CRM_API_KEY=test-key CF_COLO=LHR \
      node "$PEER_DIR/serve.mjs"
    wait_for "http://127.0.0.1:$PEER_PORT/health"
  }
  peer
  warm "http://127.0.0.1:$PEER_PORT/lookup/customer"
  for _ in $(seq "$ROUNDS"); do
    rounds[peer_hot]+=$(measure "http://127.0.0.1:$PEER_PORT/lookup/customer" Benchmarks/http/lookup.lua "$CALLERS")$'\n'
  done
  stop
  # A fresh worker (its cache empty) for each cold round.
  for _ in $(seq "$ROUNDS"); do
    peer
    rounds[peer_cold]+=$(measure "http://127.0.0.1:$PEER_PORT/lookup/customer" Benchmarks/http/lookup.lua "$COLD_CALLERS")$'\n'
    stop
  done
fi
stop "$crm_pid"

# Memory: a cache filled with distinct found customers (the simulator with --every-phone knows
# every number), RSS before and at each count; per entry is the difference over the entries.
declare -a memory_lines=()
if [ -n "$MEMORY_ENTRIES" ]; then
  most=0
  for n in $MEMORY_ENTRIES; do
    [[ "$n" =~ ^[1-9][0-9]{0,6}$ ]] && [ "$n" -gt "$most" ] || { echo "MEMORY_ENTRIES must rise, each 1 to 9,999,999" >&2; exit 2; }
    most=$n
  done
  start "$LOAD_CPU" crm-every.log "$bin" crm-sim --every-phone --port $((MEM_PORT + 1)) --admin-port $((MEM_PORT + 2)) --log-level warning
  every_pid=${pids[-1]}
  wait_for "http://127.0.0.1:$((MEM_PORT + 1))/api/v2/customers?phone=%2B15550000000"
  # Twice the room: the cache's 16 shards fill unevenly, and no entry may be evicted here.
  start "$SERVER_CPU" serve-mem.log "$bin" serve --port "$MEM_PORT" --log-level warning --cache-capacity $((2 * most + 2)) \
    --crm-url "http://127.0.0.1:$((MEM_PORT + 1))/api/v2"
  mem_pid=${pids[-1]}
  wait_for "http://127.0.0.1:$MEM_PORT/health"
  curl -fsS --max-time 10 -o /dev/null -X POST "http://127.0.0.1:$MEM_PORT/lookup/customer" -d '{"ani":"+19990000000"}'
  sleep 1
  rss0=$(rss_kib "$mem_pid")
  for n in $MEMORY_ENTRIES; do
    # In 5 s pieces, each starting at the first caller not yet cached, until n are (plus the
    # first lookup's). A piece that adds nothing means the CRM or the server has stopped: give up.
    before=-1
    while entries=$(cache_entries "http://127.0.0.1:$MEM_PORT/metrics") && [ "$entries" -lt $((n + 1)) ]; do
      [ "$entries" -gt "$before" ] || { echo "the memory line stalled at $entries entries; see serve-mem.log and crm-every.log" >&2; exit 1; }
      before=$entries
      taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d5s -s Benchmarks/http/lookup.lua "http://127.0.0.1:$MEM_PORT/lookup/customer" \
        -- "$n" $((entries > 0 ? entries - 1 : 0)) >/dev/null
    done
    [ "${entries:-0}" -ge $((n + 1)) ] || { echo "could not read the cache's entries from /metrics" >&2; exit 1; }
    sleep 1
    rss=$(rss_kib "$mem_pid")
    memory_lines+=("$(awk -v n="$entries" -v a="$rss0" -v b="$rss" 'BEGIN { printf "%d entries: RSS %.0f → %.0f MiB, %.0f bytes an entry", n, a / 1024, b / 1024, (b - a) * 1024 / n }')")
  done
  stop "$mem_pid"
  stop "$every_pid"
fi


declare -A results
for line in "${!rounds[@]}"; do results[$line]=$(printf '%s' "${rounds[$line]}" | median); done

ratio() {  # a b: a as a percentage of b, or — without b
  [ -n "$2" ] && [ "$2" != "0" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", 100 * a / b }' || echo "—"
}
times() {  # a b: a as a multiple of b, or —
  [ -n "$2" ] && [ "$2" != "0" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f×", a / b }' || echo "—"
}
first() { echo "${1:-}" | cut -d' ' -f1; }
ceiling=$(first "${results[nginx]:-}")
peer_hot=$(first "${results[peer_hot]:-}")
peer_cold=$(first "${results[peer_cold]:-}")
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · each server alone on core $SERVER_CPU (one core); wrk -t1 -c$CONNECTIONS -d$DURATION and the CRM on core $LOAD_CPU"
echo "each figure is the median of $ROUNDS rounds; errors are summed over them"
printf '%-46s %9s %8s %8s %9s %9s %7s\n' "line (server on one core)" "req/s" "p50 ms" "p99 ms" "vs nginx" "vs worker" "errors"
for line in nginx hot hot_rec health cold peer_hot peer_cold; do
  [ -n "${results[$line]:-}" ] || continue
  read -r rps p50 p99 errors <<<"${results[$line]}"
  versus="—"
  case $line in
    nginx) name="nginx, the hot lookup's bytes" ;;
    hot_rec) name="  the same, recording every event (--record)"; versus="$(ratio "$rps" "$(first "${results[hot]:-}")") of not" ;;
    hot) name="POST /lookup/customer, cached ($CALLERS callers)"; versus=$(times "$rps" "$peer_hot") ;;
    health) name="GET /health" ;;
    cold) name="POST /lookup/customer, CRM every call"; versus=$(times "$rps" "$peer_cold") ;;
    peer_hot) name="original worker (Node), cached" ;;
    peer_cold) name="original worker (Node), CRM every call" ;;
  esac
  printf '%-46s %9s %8s %8s %9s %9s %7s\n' "$name" "$rps" "$p50" "$p99" "$(ratio "$rps" "$ceiling")" "$versus" "$errors"
done
echo "events during the hot run: ${dropped:-?}"
echo "recording during its hot run: ${recorded:-?}"
echo "cold lines call $crm_name on core $LOAD_CPU, which used ${crm_cpu:-?} during edgewatch's cold rounds; its cold run as its engine saw it: $cold_health"
for line in ${memory_lines[@]+"${memory_lines[@]}"}; do echo "memory (serve on core $SERVER_CPU, distinct found customers): $line"; done
