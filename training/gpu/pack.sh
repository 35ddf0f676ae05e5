#!/usr/bin/env bash
# Local: split the training data into upload folders .gpu/up-NN, each small enough to travel
# with the working tree in one device call, and write the call sequence to .gpu/calls.txt.
# usage: training/gpu/pack.sh [GRIDS_DIR] [FASHION_DIR]
#   GRIDS_DIR: the lossless grids (mnist/*.png, cifar10/*.webp, {train,test}_y.u8), default
#     $GC_LENS_GRIDS, else ../shared/datasets beside the repository.
#   FASHION_DIR: Fashion-MNIST in the data-directory layout (meta.json, test_x.u8, test_y.u8) for the
#     MNIST models' OOD AUROC, default $GC_LENS_DATA/fashion_mnist; skipped if absent.
#   REPO (default: this checkout) is the checkout the device tool sends: .gpu/ goes there and its
#     tracked + untracked-not-ignored files count against CALL_BYTES. PART_BYTES overrides the part size.
set -euo pipefail
source "$(dirname "$0")/common.sh"
REPO="${REPO:-$(git -C "$GPU_DIR" rev-parse --show-toplevel)}"
GRIDS="${1:-${GC_LENS_GRIDS:-$REPO/../shared/datasets}}"
FASHION="${2:-${GC_LENS_DATA:-$REPO/data}/fashion_mnist}"
for d in mnist cifar10; do [ -f "$GRIDS/$d/train_y.u8" ] || die "no $GRIDS/$d/train_y.u8 (lossless grids)"; done

# What travels with every call anyway: tracked and untracked-not-ignored files, and shared/.
tree_bytes() {
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null
   if [ -d "$REPO/shared" ]; then find "$REPO/shared" -type f -printf '%s\n'; fi) | awk '{s += $1} END {print s + 0}'
}
TREE=$(tree_bytes)
MARGIN=$((1024 * 1024))
PART_BYTES="${PART_BYTES:-$((CALL_BYTES - TREE - MARGIN))}"
[ "$PART_BYTES" -ge 65536 ] || die "the working tree ($TREE bytes) leaves no room in a ${CALL_BYTES}-byte call"
[ $((TREE + PART_BYTES)) -le "$CALL_BYTES" ] || die "PART_BYTES $PART_BYTES + tree $TREE exceed CALL_BYTES"

STAGE="$REPO/.gpu"
# Not ignored, .gpu/ would travel whole with every call.
git -C "$REPO" check-ignore -q .gpu/up-00 || die "$REPO/.gitignore must ignore /.gpu/"
rm -rf "$STAGE"
mkdir -p "$STAGE/bundles"
# Bundle mnist: the MNIST grids + Fashion-MNIST test set; bundle cifar10: the CIFAR-10 grids.
tar -C "$GRIDS" -cf "$STAGE/bundles/mnist.tar" --sort=name mnist
if [ -f "$FASHION/meta.json" ]; then
  tar -C "$(dirname "$FASHION")" -rf "$STAGE/bundles/mnist.tar" \
    "$(basename "$FASHION")/meta.json" "$(basename "$FASHION")/test_x.u8" "$(basename "$FASHION")/test_y.u8"
else
  echo "no Fashion-MNIST at $FASHION: the MNIST cards will have no OOD AUROC"
fi
gzip -6 -n "$STAGE/bundles/mnist.tar"
tar -C "$GRIDS" -cf "$STAGE/bundles/cifar10.tar" --sort=name cifar10

n=0
: > "$STAGE/bundles.sha256"
for bundle in mnist.tar.gz cifar10.tar; do   # mnist first: its models start while CIFAR-10 uploads
  file="$STAGE/bundles/$bundle"
  (cd "$STAGE/bundles" && split -b "$PART_BYTES" -d -a 3 "$bundle" "$bundle.part-")
  parts=("$file".part-*)
  echo "$(sha "$file") $bundle ${#parts[@]}" >> "$STAGE/bundles.sha256"
  for part in "${parts[@]}"; do
    up=$(printf '%s/up-%02d' "$STAGE" "$n")
    mkdir -p "$up"
    mv "$part" "$up/"
    n=$((n + 1))
  done
  rm "$file"
done
rmdir "$STAGE/bundles"
for up in "$STAGE"/up-*; do cp "$STAGE/bundles.sha256" "$up/"; done

# The job takes its settings from the call that starts it: every upload call names them.
PLAN="MNIST_SECONDS=$MNIST_SECONDS CIFAR_SECONDS=$CIFAR_SECONDS MNIST_BETAS='$MNIST_BETAS' CIFAR_BETAS='$CIFAR_BETAS'"
{
  for up in "$STAGE"/up-*; do
    echo "run carry=[\".gpu/$(basename "$up")\"] timeout_s=300 command: bash training/gpu/receive.sh .gpu/$(basename "$up") && $PLAN bash training/gpu/start.sh"
  done
  echo "run timeout_s=600 command: bash training/gpu/poll.sh 540      # repeat at once until it prints STATE done"
  echo "run timeout_s=300 command: bash training/gpu/collect.sh 0     # then collect.sh 1, 2, ... until it prints ALL PIECES SENT"
  echo "give_back"
} > "$STAGE/calls.txt"
echo "working tree: $TREE bytes; parts of at most $PART_BYTES bytes; $n upload calls"
cat "$STAGE/calls.txt"
