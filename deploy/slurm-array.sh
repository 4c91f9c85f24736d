#!/bin/bash
# Factor Lab: a sharded headless run as a Slurm array job, then a merge job that waits for every shard.
#   sbatch deploy/slurm-array.sh                  # submits the array and the dependent merge
# Run from the lab's checkout (npm ci done) on a shared filesystem. Edit CONFIG, OUT and the #SBATCH lines.
#SBATCH --job-name=factor-lab-shards
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
CONFIG=${CONFIG:-examples/dmfm-paper.json}
OUT=${OUT:-runs/dmfm-paper}

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # not inside the array: submit it, then the merge after all tasks succeed
  jid=$(sbatch --parsable "$0")
  sbatch --dependency=afterok:"$jid" --job-name=factor-lab-merge --wrap \
    "npm run merge -- $OUT/part-*/part-*.flrun.zip --out $OUT/run.flrun.zip --config $CONFIG"
  echo "submitted array $jid and its merge"
  exit 0
fi

npm run experiment -- --config "$CONFIG" --backend wasm --resume \
  --out "$OUT/part-$SLURM_ARRAY_TASK_ID" \
  --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"
