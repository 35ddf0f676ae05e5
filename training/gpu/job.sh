#!/usr/bin/env bash
# Device, in the background (start.sh): train one data set's models side by side on the GPU,
# then write each one's card (evaluate.py) and reference logits (export_logits.py).
# Ends with $JOB/done/<dataset> (exit code 0) or $JOB/failed/<dataset>.
set -uo pipefail
source "$(dirname "$0")/common.sh"
D="${1:?usage: job.sh mnist|cifar10}"
mkdir -p "$JOB/results" "$JOB/done" "$JOB/failed"
if [ "$D" = mnist ]; then
  TOPOLOGY=(--base-width 32 --blocks 3,4 --strides 1,2 --lr 1e-3 --warmup-steps 300)
else
  TOPOLOGY=(--base-width 64 --blocks 3,4,3 --strides 1,1,2 --n-loss 1000 --low-rank 16 --lr 1e-3 --warmup-steps 500)
fi
pids=()
for b in $(betas_of "$D"); do
  run="$JOB/results/${D}_beta$b"
  mkdir -p "$run"
  # shellcheck disable=SC2086  # TRAIN_ARGS is a list of arguments
  "$PYTHON" "$TRAINING_DIR/train.py" --dataset "$D" --data-dir "$JOB/data" "${TOPOLOGY[@]}" \
    --beta "$b" --batch-size 128 --actnorm-lr-mult 20 --epochs 1000 --time-budget "$(seconds_of "$D")" \
    --test-every 5 --threads 2 --seed 0 $TRAIN_ARGS \
    --run-dir "$run" --out "$run/${D}_gc_beta$b.pt" > "$run/train.log" 2>&1 &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
for b in $(betas_of "$D"); do
  run="$JOB/results/${D}_beta$b"
  ckpt="$run/${D}_gc_beta$b.pt"
  [ -f "$ckpt" ] || { rc=1; continue; }
  # shellcheck disable=SC2086
  "$PYTHON" "$TRAINING_DIR/evaluate.py" "$ckpt" --data-dir "$JOB/data" --threads 4 $EVAL_ARGS > "$run/evaluate.log" 2>&1 || rc=1
  "$PYTHON" "$TRAINING_DIR/export_logits.py" "$ckpt" --n 8 --data-dir "$JOB/data" --out-dir "$run/logits" \
    > "$run/export.log" 2>&1 || rc=1
  rm -f "$run/resume.pt"   # optimizer state: not needed back, and large
done
if [ "$rc" = 0 ]; then touch "$JOB/done/$D"; else touch "$JOB/failed/$D"; fi
echo "job $D finished, rc $rc"
