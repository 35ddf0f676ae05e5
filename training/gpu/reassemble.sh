#!/usr/bin/env bash
# Local: join the pieces that collect.sh calls brought back, check every sha256 and unpack.
# usage: training/gpu/reassemble.sh DEST PIECES_DIR...   (each call's files_at folder)
# Writes DEST/results/<dataset>_beta<b>/{<dataset>_gc_beta<b>.pt, model_card.json, history.jsonl, logits/, *.log}.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DEST="${1:?usage: reassemble.sh DEST PIECES_DIR...}"
shift
[ "$#" -gt 0 ] || die 'no pieces folders given'
manifest=
for d in "$@"; do [ -f "$d/results.sha256" ] && manifest="$d/results.sha256"; done
[ -n "$manifest" ] || die "no results.sha256 in $*"
read -r total_sum _ count < "$manifest"
mkdir -p "$DEST"
joined="$DEST/results.tar"
: > "$joined"
tail -n +2 "$manifest" | while read -r sum piece; do
  found=
  for d in "$@"; do [ -f "$d/$piece" ] && found="$d/$piece"; done
  [ -n "$found" ] || die "piece $piece is missing: run collect.sh for it"
  [ "$(sha "$found")" = "$sum" ] || die "piece $piece: sha256 mismatch"
  cat "$found" >> "$joined"
done
[ "$(tail -n +2 "$manifest" | wc -l)" = "$count" ] || die "the manifest lists the wrong number of pieces"
[ "$(sha "$joined")" = "$total_sum" ] || die 'results.tar: sha256 mismatch after joining'
tar -C "$DEST" -xf "$joined"
rm "$joined"
echo "reassembled $count piece(s) into $DEST/results (sha256 ok):"
(cd "$DEST" && find results -name '*.pt' -o -name model_card.json | sort)
