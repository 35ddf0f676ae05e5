# Sourced by the training/gpu scripts: settings, paths and small helpers.
GPU_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TRAINING_DIR="$(dirname "$GPU_DIR")"
# The settings the job was started with (start.sh keeps them), then the defaults.
if [ -f "${GC_GPU_JOB:=/tmp/gcjob}/plan.env" ]; then source "$GC_GPU_JOB/plan.env"; fi
# shellcheck source=plan.env
source "$GPU_DIR/plan.env"
JOB="$GC_GPU_JOB"
DATASETS=(mnist cifar10)

die() { echo "ERROR: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
betas_of() { if [ "$1" = mnist ]; then echo "$MNIST_BETAS"; else echo "$CIFAR_BETAS"; fi; }
seconds_of() { if [ "$1" = mnist ]; then echo "$MNIST_SECONDS"; else echo "$CIFAR_SECONDS"; fi; }
# Every model the plan trains, as <dataset>_beta<beta>.
all_runs() { local d b; for d in "${DATASETS[@]}"; do for b in $(betas_of "$d"); do echo "${d}_beta$b"; done; done; }
