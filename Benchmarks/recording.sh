#!/usr/bin/env bash
# How fast a recording reads back: one minute out of a day recorded at RATE lookups a second.
#
# Builds release, writes a day as --record lays it out (or reuses DAY_DIR), and times
# `edgewatch report DIR --from T --to T+1m` for a minute in the middle of it, ROUNDS times, pinned
# to one core (CPU); prints each run and the median, with the folder's size and bytes per event.
# The page cache holds what was just written: the first round after dropping it (as root:
# DROP_CACHES=1) reads from the disk.
#   Benchmarks/recording.sh                       # a day at 2,000 a second: about 5.4 GB on disk
#   RATE=70000 SECONDS_RECORDED=3600 Benchmarks/recording.sh
#   DAY_DIR=/var/tmp/day Benchmarks/recording.sh  # keep (or reuse) the day's folder
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-2000}
SECONDS_RECORDED=${SECONDS_RECORDED:-86400}
ROUNDS=${ROUNDS:-5}
CPU=${CPU:-1}
DROP_CACHES=${DROP_CACHES:-0}
DAY_DIR=${DAY_DIR:-}
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS must be 1 to 99" >&2; exit 2; }
[[ "$RATE" =~ ^[1-9][0-9]*$ && "$SECONDS_RECORDED" =~ ^[1-9][0-9]*$ ]] || { echo "RATE and SECONDS_RECORDED must be whole numbers" >&2; exit 2; }
command -v taskset >/dev/null || { echo "recording.sh needs taskset" >&2; exit 2; }
swift build -c release --product edgewatch >&2
(cd Benchmarks && swift build -c release --product RecordingDay >&2)
bin=.build/release/edgewatch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
folder=${DAY_DIR:-$work/day}
start=$(( ($(date +%s) - SECONDS_RECORDED) * 1000 ))
if [ -z "$DAY_DIR" ] || [ -z "$(ls -A "$folder" 2>/dev/null)" ]; then
  echo "writing $SECONDS_RECORDED s at $RATE events/s into $folder" >&2
  Benchmarks/.build/release/RecordingDay "$folder" "$RATE" "$SECONDS_RECORDED" "$start" >&2
else
  start=$("$bin" report "$folder" --at +0s --format json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["generatedAt"])')
fi
bytes=$(du -sb "$folder" | cut -f1)
events=$(( RATE * SECONDS_RECORDED ))
segments=$(ls "$folder" | grep -c '\.events$')
middle=$(( start + SECONDS_RECORDED * 500 ))
from=$(python3 -c "import datetime; print(datetime.datetime.fromtimestamp($middle / 1000, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))")
to=$(python3 -c "import datetime; print(datetime.datetime.fromtimestamp($middle / 1000 + 60, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))")
times=()
for round in $(seq "$ROUNDS"); do
  if [ "$DROP_CACHES" = 1 ] && [ "$round" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
  begin=$(date +%s.%N)
  taskset -c "$CPU" "$bin" report "$folder" --from "$from" --to "$to" >"$work/report.txt"
  end=$(date +%s.%N)
  times+=("$(python3 -c "print('%.3f' % ($end - $begin))")")
done
grep -q '^ALL ' "$work/report.txt" || { echo "the report has no ALL row:"; cat "$work/report.txt"; exit 1; } >&2
median=$(printf '%s\n' "${times[@]}" | python3 -c 'import statistics,sys; print("%.3f" % statistics.median(float(l) for l in sys.stdin))')
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · report pinned to core $CPU"
echo "recording: $SECONDS_RECORDED s at $RATE events/s = $events events, $segments segments, $bytes bytes ($(python3 -c "print('%.1f' % ($bytes / $events))") bytes an event)"
echo "report of one minute ($from to $to), $ROUNDS runs: ${times[*]} s; median $median s"
