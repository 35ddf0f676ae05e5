#!/usr/bin/env bash
# Device: wait up to MAX_WAIT seconds (default 540, under the 10-minute command limit) for the jobs,
# printing each model's latest epoch every minute; returns early when every job has ended.
# Copies each model's history.jsonl to $OUT. Last line: STATE waiting|running|done|failed.
# Call it again as soon as it returns: the machine is handed back after 30 s without a call.
set -euo pipefail
source "$(dirname "$0")/common.sh"
MAX_WAIT="${1:-540}"
PRINT_EVERY="${PRINT_EVERY:-60}"
state() {
  local d ended=0
  for d in "${DATASETS[@]}"; do
    [ -f "$JOB/failed/$d" ] && { echo failed; return; }
    [ -f "$JOB/done/$d" ] && ended=$((ended + 1))
  done
  if [ "$ended" = "${#DATASETS[@]}" ]; then echo done
  elif [ "$(ls "$JOB/started" 2>/dev/null | grep -vc pid)" = "${#DATASETS[@]}" ]; then echo running
  else echo waiting; fi   # some data set is still uploading
}
progress() {
  local r h
  echo "--- $(date -u +%H:%M:%S)"
  for r in $(all_runs); do
    h="$JOB/results/$r/history.jsonl"
    if [ -s "$h" ]; then echo "$r: $(tail -n 1 "$h")"; else echo "$r: no epoch yet"; fi
  done
}
start=$(date +%s)
last=0
while :; do
  s=$(state)
  now=$(date +%s)
  if [ "$s" = done ] || [ "$s" = failed ] || [ $((now - start)) -ge "$MAX_WAIT" ]; then break; fi
  if [ $((now - last)) -ge "$PRINT_EVERY" ]; then progress; last=$now; fi
  sleep 2
done
progress
if [ "$s" = failed ]; then tail -n 20 "$JOB"/logs/*.log "$JOB"/results/*/*.log 2>/dev/null || true; fi
if [ -n "${OUT:-}" ]; then
  for r in $(all_runs); do
    [ -f "$JOB/results/$r/history.jsonl" ] && cp "$JOB/results/$r/history.jsonl" "$OUT/$r.history.jsonl"
  done
fi
echo "STATE $s"
