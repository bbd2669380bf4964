#!/usr/bin/env bash
# A distilled student of a class-conditional Fashion-MNIST teacher, measured beside the teacher's
# training-free solvers on the same noise (docs/distillation.md, "On Fashion-MNIST"):
#   scripts/distill-fashion.sh [TEACHER] [RUN] [N] [OUT] [METHOD]
#     defaults: checkpoints/fashion-cfm-unet28.h5, runs/fashion-reflow, 1000 samples, docs/distill-fashion, reflow
#   the consistency student: scripts/distill-fashion.sh checkpoints/fashion-edm-unet28.h5 runs/fashion-cd 1000 docs/distill-fashion-cd consistency
# 1. drift distill --method METHOD (resumes if RUN exists), with the image defaults (reflow: 4,096 pairs
#    by dpmpp-2m-20 at w = 0, 2,000 student steps; consistency: 2,000 steps of 64).
# 2. drift compare --guidance 0 (sample i for class i mod 10) at each budget, the student's row
#    (Euler for reflow, consistency sampling for consistency) beside the teacher's: 1, 2, 4 NFE
#    (teacher: euler, dpmpp-2m), 5 NFE (every preset that fits), 20 NFE (teacher: dpmpp-2m).
#    Each compare's guidance.csv is copied to OUT/nfe-K.csv, its payoff.csv to OUT/payoff-K.csv.
set -euo pipefail
teacher=${1:-checkpoints/fashion-cfm-unet28.h5}
run=${2:-runs/fashion-reflow}
n=${3:-1000}
out=${4:-docs/distill-fashion}
method=${5:-reflow}
drift=${DRIFT:-"$(dirname "$0")/../.build/release/drift"}
if [ -f "$run/distill.json" ]; then "$drift" distill --resume "$run"
else "$drift" distill --teacher "$teacher" --method "$method" --out "$run"; fi
student="$run/round-1/student/checkpoint.h5"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
every="--sampler euler-50 --sampler heun-karras-18 --sampler midpoint-25 --sampler rk4-20 --sampler ddim-50 --sampler dpmpp-2m-20
       --sampler dpmpp-3m-10 --sampler unipc-10 --sampler ipndm-10 --sampler deis-10 --sampler ancestral-100 --sampler em-500
       --sampler dpmpp-2m-sde-20 --sampler dpmpp-3m-sde-20 --sampler edm-churn --sampler pc-langevin"
for budget in 1 2 4 5 20; do
  case $budget in
    5) samplers=$every ;;
    20) samplers="--sampler dpmpp-2m-20" ;;
    *) samplers="--sampler euler-50 --sampler dpmpp-2m-20" ;;
  esac
  # shellcheck disable=SC2086
  "$drift" compare --model "$teacher" --guidance 0 $samplers --student "$student" --nfe "$budget" --n "$n" \
    --metric fd --metric accuracy --metric precision --metric recall --out "$tmp/nfe-$budget" > /dev/null
  cp "$tmp/nfe-$budget/guidance.csv" "$out/nfe-$budget.csv"
  if [ -f "$tmp/nfe-$budget/payoff.csv" ]; then cp "$tmp/nfe-$budget/payoff.csv" "$out/payoff-$budget.csv"; fi
  echo "nfe $budget: $out/nfe-$budget.csv"
done
