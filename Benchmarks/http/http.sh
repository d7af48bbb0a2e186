#!/usr/bin/env bash
# edgewatch's HTTP speed in one run, against nginx returning the same bytes.
#
# Builds release, pins each server to SERVER_CPU and wrk to LOAD_CPU (one core each), and prints
# one table: req/s, p50 and p99 latency, and each line's ratio to nginx from this same run.
#   Benchmarks/http/http.sh                  # defaults: 10 s per line, 32 connections, cores 1 and 0
#   DURATION=30s CONNECTIONS=64 Benchmarks/http/http.sh
# Needs wrk and taskset; nginx (Debian package `nginx`) for the ceiling line, skipped when absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT=${PORT:-18787}
NGINX_PORT=${NGINX_PORT:-18788}
CALLERS=${CALLERS:-100}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk taskset curl python3; do
  command -v "$tool" >/dev/null || { echo "http.sh needs $tool" >&2; exit 2; }
done
swift build -c release --product edgewatch >&2
bin=.build/release/edgewatch

wait_for() {  # url
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing answered at $1" >&2; exit 1
}

start_serve() {  # extra flags...
  taskset -c "$SERVER_CPU" "$bin" serve --port "$PORT" --log-level warning "$@" >"$work/serve.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$PORT/health"
}

stop_serve() {
  kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
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

declare -A results
lookup="http://127.0.0.1:$PORT/lookup/customer"

# Hot: CALLERS callers over and over, every answer from the cache (warmed first).
start_serve
for i in $(seq 0 $((CALLERS - 1))); do
  curl -fsS -o /dev/null -X POST "$lookup" -d "$(printf '{"ani":"+1555%07d"}' "$i")"
done
body=$(curl -fsS -X POST "$lookup" -d '{"ani":"+15550000000"}')
results[hot]=$(measure "$lookup" Benchmarks/http/lookup.lua "$CALLERS")
results[health]=$(measure "http://127.0.0.1:$PORT/health")
dropped=$(curl -fsS "http://127.0.0.1:$PORT/api/snapshot" | grep -o '"droppedQueueFull":[0-9]*' | cut -d: -f2)
stop_serve

# Cold: a one-entry cache and 10,000 callers in turn, so every lookup calls the (embedded) CRM.
start_serve --cache-capacity 1
results[cold]=$(measure "$lookup" Benchmarks/http/lookup.lua 10000)
# Fail-open answers (breaker open, bulkhead full) are fast 200s: say how many there were.
cold_health=$(curl -fsS "http://127.0.0.1:$PORT/api/snapshot" | python3 -c '
import json, sys
s = json.load(sys.stdin); f = s["all"]["figures"]
print("CRM error rate %s %%, breaker %s" % (round(f["crmErrorRate"].get("value") or 0, 1), (s.get("breaker") or {}).get("state", "?")))' 2>/dev/null || echo "?")
stop_serve

# The ceiling: nginx returning the hot lookup's bytes, one worker on the same core.
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
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 200 '$quoted'; }
  }
}
CONF
  taskset -c "$SERVER_CPU" nginx -c "$work/nginx.conf" -p "$work/nginx" -e "$work/nginx/error.log" >"$work/nginx/out.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$NGINX_PORT/"
  [ "$(curl -fsS -X POST "http://127.0.0.1:$NGINX_PORT/lookup/customer" -d '{}')" = "$body" ] || { echo "nginx does not return the same bytes" >&2; exit 1; }
  results[nginx]=$(measure "http://127.0.0.1:$NGINX_PORT/lookup/customer" Benchmarks/http/lookup.lua "$CALLERS")
fi

ceiling=$(echo "${results[nginx]:-0 0 0}" | cut -d' ' -f1)
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · server on core $SERVER_CPU, wrk -t1 -c$CONNECTIONS -d$DURATION on core $LOAD_CPU"
printf '%-44s %10s %9s %9s %9s %7s\n' "line (server on one core)" "req/s" "p50 ms" "p99 ms" "vs nginx" "errors"
for line in nginx hot health cold; do
  [ -n "${results[$line]:-}" ] || continue
  read -r rps p50 p99 errors <<<"${results[$line]}"
  case $line in
    nginx) name="nginx, the hot lookup's bytes" ;;
    hot) name="POST /lookup/customer, cached ($CALLERS callers)" ;;
    health) name="GET /health" ;;
    cold) name="POST /lookup/customer, CRM every call" ;;
  esac
  ratio="—"
  [ "$ceiling" != "0" ] && ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.0f %%", 100 * a / b }')
  printf '%-44s %10s %9s %9s %9s %7s\n' "$name" "$rps" "$p50" "$p99" "$ratio" "$errors"
done
echo "events dropped during the hot run: ${dropped:-?}"
echo "cold run, as the engine saw it: $cold_health"
