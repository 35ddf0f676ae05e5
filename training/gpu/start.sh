#!/usr/bin/env bash
# Device: start the training job of every data set whose data is ready and whose job has not
# started. Each job runs in its own process session (setsid), so it outlives this call and runs
# until the machine is handed back. It runs from a copy of training/ in the job's folder, so a
# later call that refreshes the repository copy cannot pull files from under it.
set -euo pipefail
source "$(dirname "$0")/common.sh"
mkdir -p "$JOB/started" "$JOB/logs"
if [ ! -f "$JOB/plan.env" ]; then
  for v in MNIST_SECONDS CIFAR_SECONDS MNIST_BETAS CIFAR_BETAS; do echo ": \"\${$v:=${!v}}\""; done > "$JOB/plan.env"
fi
if [ ! -d "$JOB/code/training" ]; then
  mkdir -p "$JOB/code.tmp"
  tar -C "$(dirname "$TRAINING_DIR")" -cf - --exclude=runs --exclude=__pycache__ training | tar -C "$JOB/code.tmp" -xf -
  mv "$JOB/code.tmp" "$JOB/code"
fi
for d in "${DATASETS[@]}"; do
  if [ -f "$JOB/ready/$d" ] && [ ! -f "$JOB/started/$d" ]; then
    date -u +%s > "$JOB/started/$d"
    setsid nohup bash "$JOB/code/training/gpu/job.sh" "$d" > "$JOB/logs/$d.job.log" 2>&1 < /dev/null &
    echo $! > "$JOB/started/$d.pid"
    echo "started the $d job (pid $!): $(betas_of "$d" | wc -w) models, $(seconds_of "$d") s of training each"
  fi
done
