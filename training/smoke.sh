#!/usr/bin/env bash
# Smoke test: a few CPU training steps on (up to) 200 MNIST images, then reference logits of
# 8 test images for the TypeScript side to compare with.
# usage: training/smoke.sh [OUT_DIR] [DATA_DIR]   (OUT_DIR default: a new temp dir, printed at the end;
#   DATA_DIR default: $GC_LENS_DATA, else data/ at the repository root; it needs mnist/, see prepare_data.py)
# Writes OUT_DIR/model.pt (exported checkpoint) and OUT_DIR/logits/{x,logits,...}.f32
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${PYTHON:-/usr/bin/python3}"
OUT="${1:-$(mktemp -d -t gc-smoke-XXXXXX)}"
DATA="${2:-${GC_LENS_DATA:-$HERE/../data}}"
mkdir -p "$OUT"
"$PY" "$HERE/train.py" --dataset mnist --data-dir "$DATA" --limit 200 --batch-size 50 --epochs 1 \
  --base-width 8 --blocks 1,1 --strides 1,2 --test-limit 100 --warmup-steps 2 \
  --threads 1 --seed 0 --run-dir "$OUT/run" --out "$OUT/model.pt"
"$PY" "$HERE/export_logits.py" "$OUT/model.pt" --n 8 --data-dir "$DATA" --out-dir "$OUT/logits"
echo "SMOKE_OUT=$OUT"
