#!/usr/bin/env bash
# Soak: `edgewatch serve` (release) under `edgewatch loadgen` while CRM faults cycle, printing
# RSS, open file descriptors and dropped events every INTERVAL seconds. Exits 1 when RSS or
# descriptors grow after warm-up. Not a unit test: it takes DURATION seconds (default 10 minutes).
#
#   scripts/soak.sh                       # 2,000 req/s for 10 minutes
#   RATE=500 DURATION=120 scripts/soak.sh # a quick look
#   STALE_IF_ERROR=0 scripts/soak.sh      # no stale copies: the cache turns over, the sharpest leak test
#
# Faults cycle every FAULT_EVERY seconds through: none, errors (503 on half), none, hangs,
# none, trickle (one byte every 400 ms), none, down (connection refused). The CRM is a
# standalone `edgewatch crm-sim`, so its admin port stays up while it is down.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-2000}
DURATION=${DURATION:-600}
INTERVAL=${INTERVAL:-30}
FAULT_EVERY=${FAULT_EVERY:-60}
WARMUP=${WARMUP:-300}          # the found-customer TTL: after it the cache turns over
RSS_SLACK_PERCENT=${RSS_SLACK_PERCENT:-10}
FD_SLACK=${FD_SLACK:-32}

for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "soak: needs $tool" >&2; exit 2; }
done

swift build -c release --product edgewatch >/dev/null
bin="$(swift build -c release --show-bin-path)/edgewatch"
source scripts/common.sh
crm_port=$(free_port); admin_port=$(free_port)

"$bin" crm-sim --port "$crm_port" --admin-port "$admin_port" --log-level warning 2>"$work/crm.log" &
pids+=($!)
# serve's default settings, as production runs it. Stale copies keep found customers a day, so
# the cache holds every found caller seen; the caller model's population is bounded, so RSS still
# levels off. STALE_IF_ERROR=0 drops found customers at their TTL instead: the cache then turns
# over within the warm-up, the sharpest test for a leak.
extra=()
[ -z "${STALE_IF_ERROR:-}" ] || extra=(--stale-if-error "$STALE_IF_ERROR")
"$bin" serve --port 0 --crm-url "http://127.0.0.1:$crm_port/api/v2" ${extra[@]+"${extra[@]}"} --log-level notice 2>"$work/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 200); do grep -q "lookup API on" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o 'lookup API on http://127.0.0.1:[0-9]*' "$work/serve.log" | grep -o '[0-9]*$')
[ -n "$port" ] || { echo "soak: serve did not start:"; cat "$work/serve.log"; exit 1; }

"$bin" loadgen --target "http://127.0.0.1:$port" --rate "$RATE" --duration "${DURATION}s" --format json >"$work/loadgen.json" 2>&1 &
load_pid=$!
pids+=("$load_pid")

faults=('{}' '{"error":{"probability":0.5,"status":503}}' '{}' '{"hang":{"probability":1,"seconds":30}}'
        '{}' '{"trickle":{"probability":1,"intervalMilliseconds":400}}' '{}' '{"down":true}')
names=(none errors none hangs none trickle none down)

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$serve_pid/status"; }
fds() { ls "/proc/$serve_pid/fd" | wc -l; }
snapshot_field() {
  curl -s --max-time 5 "http://127.0.0.1:$port/api/snapshot" |
    python3 -c "import json,sys; e=json.load(sys.stdin)['events']; print(e['recorded'], e['droppedQueueFull'])" 2>/dev/null || echo "? ?"
}

echo "soak: serve pid $serve_pid on :$port, $RATE req/s for ${DURATION}s, faults every ${FAULT_EVERY}s"
printf '%6s  %-8s  %9s  %5s  %12s  %8s\n' "t (s)" "fault" "RSS (MiB)" "fds" "events" "dropped"
start=$(date +%s)
fault_index=-1
warm_rss=""; warm_fds=""; max_rss=0; max_fds=0; last_rss=0; last_fds=0; peak_fds_before=0
while :; do
  elapsed=$(( $(date +%s) - start ))
  [ "$elapsed" -le "$DURATION" ] || break
  wanted=$(( (elapsed / FAULT_EVERY) % ${#faults[@]} ))
  if [ "$wanted" -ne "$fault_index" ]; then
    fault_index=$wanted
    curl -s --max-time 5 -X PUT -d "${faults[$fault_index]}" "http://127.0.0.1:$admin_port/admin/faults" >/dev/null || true
  fi
  kill -0 "$serve_pid" 2>/dev/null || { echo "soak: FAIL: serve died"; tail -20 "$work/serve.log"; exit 1; }
  rss=$(( $(rss_kib) / 1024 )); fd=$(fds)
  read -r recorded dropped < <(snapshot_field)
  printf '%6d  %-8s  %9d  %5d  %12s  %8s\n' "$elapsed" "${names[$fault_index]}" "$rss" "$fd" "$recorded" "$dropped"
  last_rss=$rss; last_fds=$fd
  if [ "$elapsed" -lt "$WARMUP" ] && [ "$fd" -gt "$peak_fds_before" ]; then peak_fds_before=$fd; fi
  if [ "$elapsed" -ge "$WARMUP" ]; then
    [ -n "$warm_rss" ] || { warm_rss=$rss; warm_fds=$fd; }
    [ "$rss" -gt "$max_rss" ] && max_rss=$rss
    [ "$fd" -gt "$max_fds" ] && max_fds=$fd
  fi
  sleep "$INTERVAL"
done
wait "$load_pid" || true
echo; echo "loadgen:"; cat "$work/loadgen.json"; echo

if [ -z "$warm_rss" ]; then echo "soak: ran shorter than the warm-up; no verdict"; exit 0; fi
# Descriptors rise and fall with the faults (a hanging CRM holds its pooled connections), so
# compare like with like: the peak after warm-up against the peak before it (the same faults
# ran in both), and the end against the start of the measured stretch.
limit=$(( warm_rss + warm_rss * RSS_SLACK_PERCENT / 100 ))
echo "after warm-up: RSS ${warm_rss} → max ${max_rss} MiB (limit ${limit})"
echo "descriptors: peak ${peak_fds_before} before warm-up, ${max_fds} after (limit $((peak_fds_before + FD_SLACK))); ${warm_fds} at warm-up, ${last_fds} at the end (limit $((warm_fds + FD_SLACK)))"
if [ "$max_rss" -gt "$limit" ] || [ "$max_fds" -gt $((peak_fds_before + FD_SLACK)) ] || [ "$last_fds" -gt $((warm_fds + FD_SLACK)) ]; then
  echo "soak: FAIL: memory or descriptors grew after warm-up"; exit 1
fi
echo "soak: PASS: flat after warm-up"
