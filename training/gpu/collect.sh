#!/usr/bin/env bash
# Device: once every job has ended, pack the results (checkpoints, cards, logs, histories, reference
# logits) into one tar, split it into PIECE_BYTES pieces with a sha256 manifest, and copy pieces
# K*PIECES_PER_CALL ... of it, with the manifest, to $OUT. Prints ALL PIECES SENT after the last.
# usage: training/gpu/collect.sh K
set -euo pipefail
source "$(dirname "$0")/common.sh"
K="${1:?usage: collect.sh K (0, 1, ...)}"
[ -n "${OUT:-}" ] || die 'OUT is not set (the device tool sets it)'
for d in "${DATASETS[@]}"; do
  [ -f "$JOB/done/$d" ] || [ -f "$JOB/failed/$d" ] || die "the $d job has not ended: poll first"
done
PACK="$JOB/pack"
if [ ! -f "$PACK/results.sha256" ]; then
  rm -rf "$PACK" && mkdir -p "$PACK"
  cp -r "$JOB/logs" "$JOB/results/"
  tar -C "$JOB" -cf "$PACK/results.tar" --sort=name --exclude=resume.pt results
  (cd "$PACK" && split -b "$PIECE_BYTES" -d -a 3 results.tar results.tar.part-)
  parts=("$PACK"/results.tar.part-*)
  { echo "$(sha "$PACK/results.tar") results.tar ${#parts[@]}"
    (cd "$PACK" && sha256sum results.tar.part-*); } > "$PACK/results.sha256.tmp"
  rm "$PACK/results.tar"
  mv "$PACK/results.sha256.tmp" "$PACK/results.sha256"
fi
mapfile -t parts < <(cd "$PACK" && ls results.tar.part-*)
first=$((K * PIECES_PER_CALL))
[ "$first" -lt "${#parts[@]}" ] || die "no piece $first: there are ${#parts[@]}"
last=$((first + PIECES_PER_CALL - 1))
[ "$last" -lt "${#parts[@]}" ] || last=$((${#parts[@]} - 1))
cp "$PACK/results.sha256" "$OUT/"
for i in $(seq "$first" "$last"); do cp "$PACK/${parts[$i]}" "$OUT/"; done
echo "sent pieces $first to $last of ${#parts[@]} ($(du -cb "$OUT"/* | tail -n 1 | cut -f1) bytes)"
if [ "$last" = $((${#parts[@]} - 1)) ]; then echo 'ALL PIECES SENT'; else echo "next: collect.sh $((K + 1))"; fi
