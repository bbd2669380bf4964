#!/usr/bin/env bash
# Flow matching and a maximum-likelihood CNF, side by side: the same network (MLP 64×3), the
# same exact samples of checkpoints/gmm-ring8.json, the same batch, steps, learning rate and seed.
# Both are scored by `drift likelihood` on 2,000 fresh samples (against the mixture's exact
# log-density of the same points), sampled with dopri5 at a fixed tolerance (NFE), and drawn as
# density heat maps beside the exact one.
#
#   scripts/cnf-vs-fm.sh OUT [STEPS]
#
# writes OUT/fm, OUT/cnf (the runs; an existing run is continued with --resume, not retrained),
# OUT/results.md (the table) and OUT/{exact,fm,cnf}.png. Training runs on one thread.
set -euo pipefail
out=${1:?usage: scripts/cnf-vs-fm.sh OUT [STEPS]}
steps=${2:-4000}
cd "$(dirname "$0")/.."
drift=${DRIFT:-.build/release/drift}
ring=checkpoints/gmm-ring8.json
mkdir -p "$out"
# Time scale 1000, as the shipped ring8-fm.h5 and ring8-cnf.h5 (new MLPs default to 1: docs/training.md).
common=(--data "gmm:$ring" --width 64 --depth 3 --time-scale 1000 --steps "$steps" --warmup 100 --batch 256 --threads 1 --seed 1
        --log-every 20 --checkpoint-every 200 --sample-every 1000)
train() {  # name, extra flags…
  local name=$1; shift
  if [ -f "$out/$name/checkpoint.h5" ]; then
    "$drift" train --resume "$out/$name" --steps "$steps"
  else
    "$drift" train "${common[@]}" "$@" --out "$out/$name"
  fi
}
train fm --objective cfm
train cnf --objective cnf --rtol 1e-4 --atol 1e-4 --kinetic 0.01 --jacobian 0.01

score() {  # model → "nll se nfe"
  "$drift" likelihood --model "$1" --data "gmm:$ring" --n 2000 --seed 7 --threads 1 --json --heatmap "$2" 2>/dev/null |
    python3 -c 'import json,sys; j=json.loads(sys.stdin.read()); print(j["nll_mean"], j["nll_se"], j.get("exact_nll_mean", ""))'
}
sample_nfe() {  # model → NFE of dopri5 at rtol = atol = 1e-5 for 1,000 samples
  "$drift" sample --model "$1" --sampler dopri5 --rtol 1e-5 --atol 1e-5 --n 1000 --threads 1 --out "$out/samples-$2.h5" |
    sed -n 's/.*NFE \([0-9]*\).*/\1/p'
}
read -r exact_nll exact_se exact_check < <(score "$ring" "$out/exact.png")
{
  echo "| model | test NLL (nats) | − exact entropy | training wall time | NFE per step (forward + backward) | NFE to sample (dopri5, tol 1e-5) |"
  echo "|---|---|---|---|---|---|"
  printf "| exact mixture (Monte Carlo entropy) | %.4f ± %.4f | 0 | — | — | %s |\n" "$exact_check" "$exact_se" "$(sample_nfe "$ring" exact)"
  for name in fm cnf; do
    read -r nll se _ < <(score "$out/$name/checkpoint.h5" "$out/$name.png")
    seconds=$(tail -1 "$out/$name/log.csv" | cut -d, -f5)
    per_step=$(tail -1 "$out/$name/log.csv" | awk -F, 'NF >= 8 { printf "%.0f + %.0f (last window)", $7, $8; exit } { print "—" }')
    printf "| %s | %.4f ± %.4f | %+.4f | %.0f s | %s | %s |\n" "$name" "$nll" "$se" "$(python3 -c "print($nll - $exact_check)")" \
      "$seconds" "$per_step" "$(sample_nfe "$out/$name/checkpoint.h5" "$name")"
  done
} | tee "$out/results.md"
