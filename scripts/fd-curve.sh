#!/usr/bin/env bash
# FD against training step for a run kept with `drift train --keep-every N`:
#   scripts/fd-curve.sh RUN_DIR [SAMPLER] [NFE] [N]      (defaults: dpmpp-2m-20, 20 NFE, 500 samples)
# For every RUN_DIR/snapshots/step-*.h5 it runs `drift compare` (one cell: SAMPLER at NFE,
# N unconditional samples, seed 0) and appends to RUN_DIR/fd-curve.csv:
#   step,images_seen,train_seconds,sampler,nfe,n,fd,fd_floor,class_deviation
# fd_floor is FD(N training images, N test images), the data's own floor at the same N.
# Snapshots already in the CSV are skipped, so the script can be rerun as a run goes on.
set -euo pipefail
run=${1:?usage: scripts/fd-curve.sh RUN_DIR [SAMPLER] [NFE] [N]}
sampler=${2:-dpmpp-2m-20}
budget=${3:-20}
n=${4:-500}
drift=${DRIFT:-"$(dirname "$0")/../.build/release/drift"}
csv="$run/fd-curve.csv"
[ -d "$run/snapshots" ] || { echo "fd-curve: $run/snapshots does not exist (train with --keep-every N)" >&2; exit 1; }
[ -f "$csv" ] || echo "step,images_seen,train_seconds,sampler,nfe,n,fd,fd_floor,class_deviation" > "$csv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for snap in $(ls "$run"/snapshots/step-*.h5 | sort); do
  step=$((10#$(basename "$snap" .h5 | sed 's/step-//')))
  if awk -F, -v s="$step" -v m="$sampler" -v b="$budget" -v n="$n" 'NR > 1 && $1 == s && $4 == m && $5 == b && $6 == n { found = 1 } END { exit !found }' "$csv"; then
    continue
  fi
  info=$("$drift" inspect "$snap")
  batch=$(echo "$info" | awk '/^batch, lr/ { sub(",", "", $3); print $3 }')
  seconds=$(echo "$info" | awk '/^trained for/ { print $3 }')
  "$drift" compare --model "$snap" --sampler "$sampler" --nfe "$budget" --n "$n" --seed 0 --metric fd --metric classes \
    --out "$tmp/$step" > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  # results.csv: the sampler's row and the train-vs-test floor row.
  row=$(awk -F, -v m="$sampler" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i } $1 == m { print $col["nfe"] "," $col["fd"] "," $col["class_deviation"] }' "$tmp/$step/results.csv")
  floor=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i } $1 == "train-vs-test" { print $col["fd"] }' "$tmp/$step/results.csv")
  IFS=, read -r nfe fd deviation <<< "$row"
  echo "$step,$((step * batch)),$seconds,$sampler,$nfe,$n,$fd,$floor,$deviation" >> "$csv"
  echo "step $step: FD $fd (floor $floor), class deviation $deviation"
done
