#!/usr/bin/env bash
# Train the two CIFAR-10 models side by side on one GPU (~10 min on an H100), then
# evaluate them (model_card.json) and export reference logits.
# usage: training/gpu_run.sh OUT_DIR [DATA_DIR]
#   DATA_DIR is the data directory training/prepare_data.py builds, with cifar10/ (and mnist/)
#   (default: $GC_LENS_DATA, else data/ at the repository root). Needs python3 with torch (CUDA),
#   numpy and Pillow with WebP; PYTHON overrides the interpreter.
#   TRAIN_SECONDS (default 420) is each run's training time; the lr schedule follows it.
#   MNIST_BETA=<beta> also trains the MNIST topology (needs DATA_DIR/mnist) alongside.
#   TRAIN_ARGS / EVAL_ARGS add arguments (e.g. a CPU dry run:
#   TRAIN_SECONDS=5 TRAIN_ARGS="--limit 256 --test-limit 100 --base-width 8" EVAL_ARGS="--limit 100")
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:?usage: gpu_run.sh OUT_DIR [DATA_DIR]}"
DATA="${2:-${GC_LENS_DATA:-$HERE/../data}}"
PY="${PYTHON:-python3}"
SECONDS_EACH="${TRAIN_SECONDS:-420}"
mkdir -p "$OUT"
test -f "$DATA/cifar10/meta.json" || { echo "no CIFAR-10 in $DATA/cifar10: run training/prepare_data.py" >&2; exit 1; }
"$PY" -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

# Shared topology: downsampling coupling 3->12 (16x16), Haar -> 48x8x8, 1x1 coupling,
# stages [3,4,3] bottleneck blocks, widths 64/128/256, last stage strided -> 192x4x4.
COMMON=(--dataset cifar10 --data-dir "$DATA" --base-width 64 --blocks 3,4,3 --strides 1,1,2
        --n-loss 1000 --low-rank 16 --batch-size 128 --lr 1e-3 --actnorm-lr-mult 20 --warmup-steps 500
        --epochs 400 --time-budget "$SECONDS_EACH" --test-every 5 --seed 0 ${TRAIN_ARGS:-})
"$PY" "$HERE/train.py" "${COMMON[@]}" --beta 16 --run-dir "$OUT/cifar10_beta16" \
  --out "$OUT/cifar10_beta16/cifar10_gc_beta16.pt" > "$OUT/cifar10_beta16.log" 2>&1 &
PID_HIGH=$!
"$PY" "$HERE/train.py" "${COMMON[@]}" --beta 1 --run-dir "$OUT/cifar10_beta1" \
  --out "$OUT/cifar10_beta1/cifar10_gc_beta1.pt" > "$OUT/cifar10_beta1.log" 2>&1 &
PID_ONE=$!
PID_MNIST=
if [ -n "${MNIST_BETA:-}" ]; then
  "$PY" "$HERE/train.py" --dataset mnist --data-dir "$DATA" --base-width 32 --blocks 3,4 \
    --strides 1,2 --beta "$MNIST_BETA" --batch-size 128 --lr 1e-3 --epochs 400 \
    --time-budget "$SECONDS_EACH" --test-every 5 --seed 0 ${TRAIN_ARGS:-} \
    --run-dir "$OUT/mnist_beta$MNIST_BETA" --out "$OUT/mnist_beta$MNIST_BETA/mnist_gc.pt" \
    > "$OUT/mnist_beta$MNIST_BETA.log" 2>&1 &
  PID_MNIST=$!
fi
wait $PID_HIGH; wait $PID_ONE
[ -z "$PID_MNIST" ] || wait $PID_MNIST
tail -n 2 "$OUT"/*.log

CKPTS=("$OUT/cifar10_beta16/cifar10_gc_beta16.pt" "$OUT/cifar10_beta1/cifar10_gc_beta1.pt")
[ -z "$PID_MNIST" ] || CKPTS+=("$OUT/mnist_beta$MNIST_BETA/mnist_gc.pt")
for ckpt in "${CKPTS[@]}"; do
  "$PY" "$HERE/evaluate.py" "$ckpt" --data-dir "$DATA" --threads 4 ${EVAL_ARGS:-}
  "$PY" "$HERE/export_logits.py" "$ckpt" --n 8 --data-dir "$DATA" --out-dir "$(dirname "$ckpt")/logits"
done
