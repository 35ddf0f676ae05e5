#!/usr/bin/env bash
# Local rehearsal of the GPU procedure on this CPU with tiny settings: the same scripts and the same
# call sequence (.gpu/calls.txt), against a fake device (a folder standing for the device's copy of
# the repository, a fresh fake $OUT per call, the device limits checked after every call), on tiny
# synthetic data. Proves that the uploads reassemble, the jobs run in the background between calls,
# and the result pieces come back and reassemble with matching checksums. Prints REHEARSAL OK.
# usage: training/gpu/rehearse.sh [WORK_DIR]   (PYTHON: the python3 with torch, default /usr/bin/python3)
set -euo pipefail
GPU_DIR="$(cd "$(dirname "$0")" && pwd)"
SRC_TRAINING="$(dirname "$GPU_DIR")"
W="${1:-$(mktemp -d -t gc-gpu-rehearsal-XXXXXX)}"
export PYTHON="${PYTHON:-/usr/bin/python3}"
export GC_GPU_JOB="$W/device-tmp/gcjob"
# Tiny settings; small parts and pieces so that data and results each take several calls.
export MNIST_SECONDS=3 CIFAR_SECONDS=3 EVAL_ARGS="--limit 32"
export TRAIN_ARGS="--limit 64 --test-limit 32 --base-width 4 --batch-size 16 --warmup-steps 1 --max-steps 2 --threads 1"
export PIECE_BYTES=1500000 PIECES_PER_CALL=2
source "$GPU_DIR/plan.env"
fail() { echo "REHEARSAL FAILED: $*" >&2; exit 1; }
cleanup() {   # the background jobs, should the rehearsal stop early
  local f
  for f in "$GC_GPU_JOB"/started/*.pid; do
    if [ -f "$f" ]; then kill -- -"$(cat "$f")" 2>/dev/null || true; fi
  done
}
trap cleanup EXIT
mkdir -p "$W"

# 1. Tiny synthetic data: lossless grids as in ../shared/datasets, and a Fashion-MNIST test set.
"$PYTHON" - "$W/grids" "$W/fashion_mnist" <<'PY'
import json, os, sys
import numpy as np
from PIL import Image
grids, fashion = sys.argv[1:]
rng = np.random.RandomState(0)
def grid(path, n, size, ch, per_row=8):
    tiles = rng.randint(0, 256, (n, size, size, ch), dtype=np.uint8)
    rows = -(-n // per_row)
    img = np.zeros((rows * size, per_row * size, ch), np.uint8)
    for i, t in enumerate(tiles):
        img[(i // per_row) * size:(i // per_row + 1) * size, (i % per_row) * size:(i % per_row + 1) * size] = t
    im = Image.fromarray(img[:, :, 0] if ch == 1 else img)
    im.save(path, lossless=True) if path.endswith('.webp') else im.save(path)
for name, ext, ch, size in (('mnist', 'png', 1, 28), ('cifar10', 'webp', 3, 32)):
    d = os.path.join(grids, name); os.makedirs(d, exist_ok=True)
    for split, files, n in (('train', 2, 48), ('test', 1, 40)):
        for k in range(files):
            grid(os.path.join(d, f'{split}_{k}.{ext}'), n, size, ch)
        rng.randint(0, 10, files * n).astype(np.uint8).tofile(os.path.join(d, f'{split}_y.u8'))
os.makedirs(fashion, exist_ok=True)
rng.randint(0, 256, (40, 1, 28, 28)).astype(np.uint8).tofile(os.path.join(fashion, 'test_x.u8'))
rng.randint(0, 10, 40).astype(np.uint8).tofile(os.path.join(fashion, 'test_y.u8'))
json.dump({'shape': [1, 28, 28], 'train': 0, 'test': 40, 'source': 'rehearsal'}, open(os.path.join(fashion, 'meta.json'), 'w'))
PY

# 2. A stand-in for the checkout the device tool sends: training/ tracked in a git repository.
REPO="$W/repo"
mkdir -p "$REPO"
tar -C "$(dirname "$SRC_TRAINING")" -cf - --exclude=runs --exclude=__pycache__ training | tar -C "$REPO" -xf -
echo '/.gpu/' > "$REPO/.gitignore"
git -C "$REPO" init -q
git -C "$REPO" add .gitignore training
REPO="$REPO" PART_BYTES=150000 bash "$REPO/training/gpu/pack.sh" "$W/grids" "$W/fashion_mnist"
grep -c '^run carry' "$REPO/.gpu/calls.txt" | grep -qv '^[01]$' || fail 'the data should need several upload calls'

# 3. Each call: sync the tree (+ the carried folder) to the device copy, run in a fresh $OUT, check limits.
DEVICE="$W/device"
mkdir -p "$DEVICE"
CALLS=0
check_out() {
  local out="$1" n total
  n=$(find "$out" -type f | wc -l)
  [ "$n" -le "$OUT_FILES" ] || fail "$n files in \$OUT (limit $OUT_FILES)"
  total=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  [ "$total" -le "$OUT_TOTAL_BYTES" ] || fail "$total bytes in \$OUT"
  find "$out" -type f -size +"$((OUT_FILE_BYTES / 1024))"k | grep -q . && fail 'a file over the per-file limit'
  find "$out" -mindepth 4 | grep -q . && fail 'a file more than 2 folders down in $OUT'
  find "$out" -mindepth 1 -printf '%f\n' | grep -qv '^[A-Za-z0-9._-]*$' && fail 'an $OUT name with odd characters'
  true
}
device_call() {   # device_call CARRY_OR_EMPTY COMMAND -> prints the output; $LAST_OUT is its $OUT
  local carry="$1" cmd="$2" bytes
  CALLS=$((CALLS + 1))
  rm -rf "$DEVICE/training" && cp -r "$REPO/training" "$DEVICE/training"
  bytes=$(cd "$REPO" && git ls-files -z | xargs -0 stat -c %s | awk '{s += $1} END {print s + 0}')
  if [ -n "$carry" ]; then
    mkdir -p "$DEVICE/$(dirname "$carry")" && rm -rf "${DEVICE:?}/$carry" && cp -r "$REPO/$carry" "$DEVICE/$carry"
    bytes=$((bytes + $(du -sb "$REPO/$carry" | cut -f1)))
  fi
  [ "$bytes" -le "$CALL_BYTES" ] || fail "call $CALLS carries $bytes bytes"
  LAST_OUT="$W/out-$CALLS"
  mkdir -p "$LAST_OUT"
  (cd "$DEVICE" && OUT="$LAST_OUT" timeout 600 bash -c "$cmd") > "$W/call-$CALLS.log" 2>&1 \
    || { cat "$W/call-$CALLS.log"; fail "call $CALLS ($cmd) failed"; }
  check_out "$LAST_OUT"
  echo "call $CALLS: $cmd" && sed 's/^/  | /' "$W/call-$CALLS.log"
}
while read -r line; do
  carry=$(sed -n 's/^run carry=\["\([^"]*\)"\].*/\1/p' <<< "$line")
  cmd="${line#*command: }"
  cmd="${cmd%%#*}"
  case "$line" in
    'run carry'*) device_call "$carry" "$cmd" ;;
    *poll.sh*)
      for _ in $(seq 1 60); do
        device_call '' "${cmd/540/15}"
        tail -n 1 "$W/call-$CALLS.log" | grep -q 'STATE failed' && fail 'a job failed'
        tail -n 1 "$W/call-$CALLS.log" | grep -q 'STATE done' && break
      done
      tail -n 1 "$W/call-$CALLS.log" | grep -q 'STATE done' || fail 'the jobs did not finish' ;;
    *collect.sh*)
      PIECE_DIRS=()
      for k in $(seq 0 20); do
        device_call '' "${cmd/collect.sh 0/collect.sh $k}"
        PIECE_DIRS+=("$LAST_OUT")
        grep -q 'ALL PIECES SENT' "$W/call-$CALLS.log" && break
      done
      grep -q 'ALL PIECES SENT' "$W/call-$CALLS.log" || fail 'collect never finished'
      [ "${#PIECE_DIRS[@]}" -ge 2 ] || fail 'the results should need several collect calls' ;;
    give_back) echo "give_back" ;;
  esac
done < "$REPO/.gpu/calls.txt"

# 4. Reassemble; every file must equal the device's, and the checkpoints must load.
BACK="$W/back"
bash "$GPU_DIR/reassemble.sh" "$BACK" "${PIECE_DIRS[@]}"
diff -r "$GC_GPU_JOB/results" "$BACK/results" || fail 'reassembled results differ from the device files'
for r in $(source "$GPU_DIR/common.sh"; all_runs); do
  d="${r%_beta*}"
  for f in "$BACK/results/$r/${d}_gc_beta${r#*_beta}.pt" "$BACK/results/$r/model_card.json" "$BACK/results/$r/logits/logits.f32"; do
    [ -s "$f" ] || fail "missing $f"
  done
  (cd "$SRC_TRAINING" && "$PYTHON" -c "import sys; from gc_model import load_checkpoint; load_checkpoint(sys.argv[1])" \
    "$BACK/results/$r/${d}_gc_beta${r#*_beta}.pt") || fail "$r: the checkpoint does not load"
done

# 5. The checks can fail: a flipped byte and a missing piece are refused.
BAD="$W/bad" && mkdir -p "$BAD" && cp "${PIECE_DIRS[0]}"/* "$BAD/"
piece=$(ls "$BAD" | grep part- | head -n 1)
printf '\xff' | dd of="$BAD/$piece" bs=1 seek=10 conv=notrunc status=none
refused() {   # refused EXPECTED_MESSAGE DEST PIECES_DIR...
  local expected="$1" out
  shift
  out=$(bash "$GPU_DIR/reassemble.sh" "$@" 2>&1) && fail "reassemble accepted bad pieces ($expected)"
  grep -q "$expected" <<< "$out" || fail "reassemble said: $out (expected: $expected)"
}
refused 'sha256 mismatch' "$W/bad-out" "$BAD" "${PIECE_DIRS[@]:1}"
refused 'is missing' "$W/bad-out2" "${PIECE_DIRS[@]:1}"
echo "REHEARSAL OK: $CALLS device calls, $(find "${PIECE_DIRS[@]}" -name 'results.tar.part-*' | wc -l) result pieces, work dir $W"
