#!/usr/bin/env bash
# Device: take one upload folder (carried by this call) into the job's state; once all parts of a
# bundle are there, check its sha256, unpack it and build the data directory for its data set.
# usage: training/gpu/receive.sh .gpu/up-NN
set -euo pipefail
source "$(dirname "$0")/common.sh"
UP="${1:?usage: receive.sh UPLOAD_DIR}"
[ -f "$UP/bundles.sha256" ] || die "$UP has no bundles.sha256: was it carried (carry=[\"$UP\"])?"
mkdir -p "$JOB/parts" "$JOB/grids" "$JOB/data" "$JOB/ready"
cp "$UP"/* "$JOB/parts/"
echo "received $(ls "$UP" | grep -c part-) part(s) from $UP"
while read -r sum bundle count; do
  name="${bundle%%.*}"
  have=$(find "$JOB/parts" -name "$bundle.part-*" | wc -l)
  if [ -f "$JOB/ready/$name" ]; then echo "$name: ready"; continue; fi
  if [ "$have" -lt "$count" ]; then echo "$name: $have of $count parts"; continue; fi
  cat "$JOB/parts/$bundle".part-* > "$JOB/$bundle"
  [ "$(sha "$JOB/$bundle")" = "$sum" ] || die "$bundle: sha256 mismatch after joining $count parts"
  mkdir -p "$JOB/grids/$name"
  tar -C "$JOB/grids/$name" -xf "$JOB/$bundle"
  "$PYTHON" "$TRAINING_DIR/prepare_data.py" --from-grids "$JOB/grids/$name" --out "$JOB/data"
  if [ -d "$JOB/grids/$name/fashion_mnist" ]; then cp -r "$JOB/grids/$name/fashion_mnist" "$JOB/data/"; fi
  rm -f "$JOB/$bundle" "$JOB/parts/$bundle".part-*
  touch "$JOB/ready/$name"
  echo "$name: ready (sha256 ok)"
done < "$UP/bundles.sha256"
