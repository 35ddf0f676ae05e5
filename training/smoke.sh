#!/usr/bin/env bash
# Smoke test: a few CPU training steps on 200 MNIST images, then reference logits of
# 8 test images for the TypeScript side to compare with.
# usage: training/smoke.sh [OUT_DIR]   (default: a new temp dir; printed at the end)
# Writes OUT_DIR/model.pt (exported checkpoint) and OUT_DIR/logits/{x,logits,...}.f32
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${PYTHON:-/usr/bin/python3}"
OUT="${1:-$(mktemp -d -t gc-smoke-XXXXXX)}"
mkdir -p "$OUT"
"$PY" "$HERE/train.py" --dataset mnist --limit 200 --batch-size 50 --epochs 1 \
  --base-width 8 --blocks 1,1 --strides 1,2 --test-limit 100 --warmup-steps 2 \
  --threads 1 --seed 0 --run-dir "$OUT/run" --out "$OUT/model.pt"
"$PY" "$HERE/export_logits.py" "$OUT/model.pt" --n 8 --out-dir "$OUT/logits"
echo "SMOKE_OUT=$OUT"
