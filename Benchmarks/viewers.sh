#!/usr/bin/env bash
# What attached consoles cost a production `serve`, in one run (issue: attach).
#
# 1. One viewer: the server's CPU (utime + stime from /proc) with and without one console polling
#    /api/snapshot twice a second, and the bytes a second it reads, with 8 and with 64 colos in the
#    window (synthetic callers from those colos, RATE lookups a second in all, in both arms).
# 2. Twenty viewers: cached-lookup throughput (wrk, as in http.sh) with and without 20 consoles.
#
# The server runs alone on SERVER_CPU (one core); wrk and the viewers (one Python process) on
# LOAD_CPU. Arms alternate, ROUNDS times, and each figure is the median, since this machine's
# noise moves single runs by several per cent. The viewers' own CPU is printed: in part 2 it is
# taken from wrk's core.
#   Benchmarks/viewers.sh
#   ROUNDS=5 SECONDS_PER_ARM=30 Benchmarks/viewers.sh
# Needs wrk, taskset, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECONDS_PER_ARM=${SECONDS_PER_ARM:-20}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT=${PORT:-18797}
RATE=${RATE:-200}
CALLERS=${CALLERS:-100}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS must be 1 to 99" >&2; exit 2; }
for tool in wrk taskset curl python3; do command -v "$tool" >/dev/null || { echo "viewers.sh needs $tool" >&2; exit 2; }; done
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/"; then echo "port $PORT is already in use" >&2; exit 2; fi
unset LOOKUP_BEARER_TOKEN LOOKUP_BASIC_AUTH READ_TOKEN INGEST_TOKEN REPORT_TOKEN ADMIN_TOKEN CRM_API_BASE EDGE_COLO
swift build -c release --product edgewatch >&2
bin=.build/release/edgewatch
base="http://127.0.0.1:$PORT"

colos() {  # n: n three-letter codes, LHR first
  python3 -c '
import itertools, string, sys
n = int(sys.argv[1])
codes = ["LHR", "FRA", "IAD", "SJC", "SIN", "NRT", "SYD", "GRU"]
for code in ("".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3)):
    if len(codes) >= n: break
    if code not in codes and code != "ALL": codes.append(code)
print(",".join(codes[:n]))' "$1"
}

start_serve() {  # extra serve arguments...
  taskset -c "$SERVER_CPU" "$bin" serve --port "$PORT" --log-level warning "$@" >"$work/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$base/health" 2>/dev/null && return 0; sleep 0.1; done
  echo "serve did not answer; its log:" >&2; cat "$work/serve.log" >&2; exit 1
}
stop_serve() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
median() { python3 -c 'import statistics, sys; print(statistics.median(float(x) for x in sys.stdin.read().split()))'; }

echo "$(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · serve alone on core $SERVER_CPU; viewers and wrk on core $LOAD_CPU; medians of $ROUNDS rounds"
echo
echo "1. One viewer (polling twice a second), $SECONDS_PER_ARM s per arm, callers at $RATE/s in both arms"
printf '%-8s %16s %16s %14s %16s %14s\n' colos "server CPU idle" "with a viewer" "viewer costs" "bytes/s read" "snapshot B"
hz=$(getconf CLK_TCK)
for n in 8 64; do
  start_serve --traffic --rate "$RATE" --colos "$(colos "$n")" --replication-delay 0
  pid=${pids[-1]}
  sleep 12  # every colo heard, the window filling
  idle=() viewed=() bytes=()
  for _ in $(seq "$ROUNDS"); do
    before=$(cpu_ticks "$pid"); sleep "$SECONDS_PER_ARM"; after=$(cpu_ticks "$pid")
    idle+=("$(awk -v a="$before" -v b="$after" -v s="$SECONDS_PER_ARM" -v hz="$hz" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / s }')")
    before=$(cpu_ticks "$pid")
    read -r _ received _ _ < <(taskset -c "$LOAD_CPU" python3 Benchmarks/http/viewers.py "$base" 1 "$SECONDS_PER_ARM")
    after=$(cpu_ticks "$pid")
    viewed+=("$(awk -v a="$before" -v b="$after" -v s="$SECONDS_PER_ARM" -v hz="$hz" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / s }')")
    bytes+=("$(awk -v r="$received" -v s="$SECONDS_PER_ARM" 'BEGIN { printf "%.0f", r / s }')")
  done
  size=$(curl -fsS "$base/api/snapshot?since=1000000000" | wc -c)
  i=$(printf '%s\n' "${idle[@]}" | median); v=$(printf '%s\n' "${viewed[@]}" | median); b=$(printf '%s\n' "${bytes[@]}" | median)
  printf '%-8s %15.2f%% %15.2f%% %13.2f%% %16.0f %14s\n' "$n" "$i" "$v" "$(awk -v i="$i" -v v="$v" 'BEGIN { print v - i }')" "$b" "$size"
  stop_serve
done

echo
echo "2. Cached lookups (wrk -t1 -c$CONNECTIONS -d$DURATION, $CALLERS callers) with no viewer and with 20, 64 colos in the window"
start_serve --traffic --rate 64 --colos "$(colos 64)" --replication-delay 0
for i in $(seq 0 $((CALLERS - 1))); do curl -fsS -o /dev/null -X POST "$base/lookup/customer" -d "$(printf '{"ani":"+1555%07d"}' "$i")"; done
sleep 5
measure() {
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s Benchmarks/http/lookup.lua "$base/lookup/customer" -- "$CALLERS" \
    | awk '/Requests\/sec/ { print $2 }'
}
alone=() crowded=() viewer_cpu=()
seconds=${DURATION%s}
for _ in $(seq "$ROUNDS"); do
  alone+=("$(measure)")
  taskset -c "$LOAD_CPU" python3 Benchmarks/http/viewers.py "$base" 20 "$((seconds + 2))" >"$work/viewers.out" &
  viewers=$!
  sleep 1
  crowded+=("$(measure)")
  wait "$viewers"
  read -r requests _ errors cpu <"$work/viewers.out"
  [ "$errors" = 0 ] || echo "the viewers saw $errors errors in $requests reads" >&2
  viewer_cpu+=("$cpu")
done
a=$(printf '%s\n' "${alone[@]}" | median); c=$(printf '%s\n' "${crowded[@]}" | median); u=$(printf '%s\n' "${viewer_cpu[@]}" | median)
printf '%-30s %10.0f req/s\n' "no viewer" "$a"
printf '%-30s %10.0f req/s  (%+.1f %%; the 20 viewers used %.2f s of CPU on wrk'"'"'s core in %s s)\n' "20 viewers" "$c" \
  "$(awk -v a="$a" -v c="$c" 'BEGIN { print 100 * (c - a) / a }')" "$u" "$((seconds + 2))"
stop_serve
