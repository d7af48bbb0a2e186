#!/usr/bin/env bash
# Outage: what callers feel while the CRM hangs, measured with `edgewatch loadgen` against
# `edgewatch serve` (release) and a standalone `edgewatch crm-sim`, the demo's caller model and
# rate. Not a unit test: it takes WARM + 60 seconds.
#
#   scripts/outage.sh                        # this build
#   BIN=/tmp/edgewatch-before scripts/outage.sh   # another binary (e.g. before stale serving)
#
# Prints, from the server's /api/snapshot (60 s window) and loadgen's client-side view:
#   before: the hit rate and p95 at the end of the warm-up;
#   first 10 s of the hang, and the 50 s after (client p50/p95/p99 from loadgen);
#   over the whole outage: the server's p95, hit %, stale % and the share of callers answered
#   with their real customer (or a genuine not-found).
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-50}
WARM=${WARM:-120}
TTL=${TTL:-300}
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "outage: needs $tool" >&2; exit 2; }
done

if [ -z "${BIN:-}" ]; then
  swift build -c release --product edgewatch >/dev/null
  BIN="$(swift build -c release --show-bin-path)/edgewatch"
fi
source scripts/common.sh
crm_port=$(free_port); admin_port=$(free_port); port=$(free_port)

"$BIN" crm-sim --port "$crm_port" --admin-port "$admin_port" --log-level warning 2>"$work/crm.log" &
pids+=($!)
"$BIN" serve --port "$port" --crm-url "http://127.0.0.1:$crm_port/api/v2" --ttl-found "$TTL" --log-level notice 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 200); do grep -q "lookup API on" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"

summary() {  # $1: label, $2: snapshot JSON file
  python3 - "$1" "$2" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
f = json.load(open(path))["all"]["figures"]
t = f["tally"]
lookups = max(1, t["lookups"])
failed_open = t.get("failedOpen", t["crmErrors"])
right = 100.0 * (t["lookups"] - failed_open) / lookups
stale = f.get("staleRate", {}).get("value") or 0.0
print(f"{label}: server p95 {f['p95LatencyMs']['value']:.1f} ms, p50 {f['p50LatencyMs']['value']:.1f} ms, "
      f"hit {f['cacheHitRate']['value']:.1f} %, stale {stale:.1f} %, right customer {right:.1f} %, n {t['requests']}")
PY
}
client() {  # $1: label, $2: loadgen JSON file
  python3 - "$1" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]}: client p50 {s['p50Ms']:.1f} ms, p95 {s.get('p95Ms', float('nan')):.1f} ms, p99 {s['p99Ms']:.1f} ms, "
      f"max {s['maxMs']:.1f} ms, {s['answered']} answered")
PY
}

"$BIN" loadgen --target "$base" --rate "$RATE" --duration "${WARM}s" --format json >"$work/warm.json"
curl -s "$base/api/snapshot" >"$work/before.json"
summary "before the hang (last 60 s)" "$work/before.json"

curl -s -X PUT -d '{"hang":{"probability":1,"seconds":30},"down":false}' "http://127.0.0.1:$admin_port/admin/faults" >/dev/null
"$BIN" loadgen --target "$base" --rate "$RATE" --duration 10s --format json >"$work/first.json"
"$BIN" loadgen --target "$base" --rate "$RATE" --duration 50s --format json >"$work/rest.json"
curl -s "$base/api/snapshot" >"$work/during.json"
client "hang, first 10 s" "$work/first.json"
client "hang, next 50 s" "$work/rest.json"
summary "hang, whole 60 s window" "$work/during.json"
curl -s -X DELETE "http://127.0.0.1:$admin_port/admin/faults" >/dev/null
