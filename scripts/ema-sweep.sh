#!/usr/bin/env bash
# Post-hoc EMA sweep (Karras et al. 2024, EDM2 §3): rebuild the EMA of each length from a run trained with
# `drift train --posthoc-ema …`, score each model with `drift compare`, and name the best.
#   scripts/ema-sweep.sh RUN_DIR LENGTHS [SAMPLER] [NFE] [N]     e.g. LENGTHS 0.03,0.05,0.08,0.12,0.2
#   (defaults: dpmpp-2m-20, 20 NFE, 500 samples, seed 0)
# Image models are scored by FD in the feature network's features (beside the data's floor); models of points
# (toys, mixtures) by the bias-corrected sliced W2² against fresh data. Every length is rebuilt before any is
# scored, so a length outside the stored profiles' reach stops the sweep with drift export's one line and
# nothing written. Writes RUN_DIR/ema-sweep/ema-L.h5 and RUN_DIR/ema-sweep.csv:
#   sigma_rel,fit_error_percent,sampler,nfe,n,metric,value,se,floor
set -euo pipefail
run=${1:?usage: scripts/ema-sweep.sh RUN_DIR LENGTHS [SAMPLER] [NFE] [N]}
lengths=${2:?usage: scripts/ema-sweep.sh RUN_DIR LENGTHS [SAMPLER] [NFE] [N]}
sampler=${3:-dpmpp-2m-20}
budget=${4:-20}
n=${5:-500}
drift=${DRIFT:-"$(dirname "$0")/../.build/release/drift"}
[ -f "$run/checkpoint.h5" ] || { echo "ema-sweep: no run in $run (expected $run/checkpoint.h5)" >&2; exit 1; }
tmp=$(mktemp -d "${run%/}/.ema-sweep.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if "$drift" inspect "$run/checkpoint.h5" | grep -q '"architecture":"unet"'; then metric=fd; column=fd; else metric=sw2; column=sw2sq; fi
IFS=, read -ra all <<< "$lengths"
for l in "${all[@]}"; do
  "$drift" export "$run" --ema-length "$l" --out "$tmp/ema-$l.h5" > "$tmp/export-$l.log" 2>&1 || { tail -1 "$tmp/export-$l.log" >&2; exit 1; }
done
echo "sigma_rel,fit_error_percent,sampler,nfe,n,metric,value,se,floor" > "$tmp/ema-sweep.csv"
best=""; best_value=""
for l in "${all[@]}"; do
  fit=$(sed -n 's/.*profile fit error \([0-9.e+-]*\)%.*/\1/p' "$tmp/export-$l.log")
  "$drift" compare --model "$tmp/ema-$l.h5" --sampler "$sampler" --nfe "$budget" --n "$n" --seed 0 --metric "$metric" \
    --trajectories 0 --out "$tmp/cmp-$l" > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  read -r value se floor < <(awk -F, -v m="$sampler" -v c="$column" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == m { v = $col[c]; s = $col[c "_se"] } $2 == "reference" { f = $col[c] }
    END { print v, s, f }' "$tmp/cmp-$l/results.csv")
  echo "$l,$fit,$sampler,$budget,$n,$column,$value,$se,$floor" >> "$tmp/ema-sweep.csv"
  echo "σ_rel $l: $column $value ± $se (floor $floor; profile fit error $fit%)"
  if [ -z "$best" ] || awk -v a="$value" -v b="$best_value" 'BEGIN { exit !(a < b) }'; then best=$l; best_value=$value; fi
done
mkdir -p "$run/ema-sweep"
for l in "${all[@]}"; do mv "$tmp/ema-$l.h5" "$run/ema-sweep/ema-$l.h5"; done
mv "$tmp/ema-sweep.csv" "$run/ema-sweep.csv"
echo "best: σ_rel $best ($column $best_value) → $run/ema-sweep/ema-$best.h5; table: $run/ema-sweep.csv"
