#!/usr/bin/env bash
# Drift vs the PyTorch reference on the same machine: mlp2d and unet28, train and infer.
# Runs alternate between the two implementations (the order flips every round) so that
# drifting machine load hits both alike; each run is its own process (peak RSS per task).
# Prints a Markdown table of the medians over rounds of each run's median, and the ratio.
#
# Usage: scripts/bench.sh [ROUNDS=5] [THREADS=2]
# Env:   TORCH_REFERENCE  path of torch_reference.py (default: shared/reference/torch_reference.py
#                         in the folder above the checkout, or two above for a git worktree)
#        OUT              folder for the raw JSON lines (default /tmp/drift-bench-<date>)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
THREADS=${2:-2}
REF=${TORCH_REFERENCE:-}
for d in .. ../..; do
  [ -n "$REF" ] || [ ! -f "$d/shared/reference/torch_reference.py" ] || REF=$(cd "$d" && pwd)/shared/reference/torch_reference.py
done
[ -f "$REF" ] || { echo "bench.sh: torch_reference.py not found${REF:+ at $REF}; set TORCH_REFERENCE to its path" >&2; exit 1; }
OUT=${OUT:-/tmp/drift-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
swift build -c release --product drift >/dev/null
DRIFT=$(swift build -c release --show-bin-path)/drift

CONFIGS="mlp2d:train mlp2d:infer unet28:train unet28:infer"
run() {  # impl model task round
  local line
  if [ "$1" = drift ]; then
    line=$("$DRIFT" bench --model "$2" --task "$3" --threads "$THREADS" --json)
  else
    line=$(python3 "$REF" --model "$2" --task "$3" --threads "$THREADS" --json)
  fi
  echo "$line" >> "$OUT/$1.jsonl"
  echo "round $4: $1 $2 $3 done" >&2
}
for r in $(seq 1 "$ROUNDS"); do
  for c in $CONFIGS; do
    m=${c%%:*}; t=${c##*:}
    if [ $((r % 2)) -eq 1 ]; then run drift "$m" "$t" "$r"; run torch "$m" "$t" "$r"
    else run torch "$m" "$t" "$r"; run drift "$m" "$t" "$r"; fi
  done
done

python3 - "$OUT" "$ROUNDS" "$THREADS" <<'PY'
import json, statistics, sys
out, rounds, threads = sys.argv[1], sys.argv[2], sys.argv[3]
def load(impl):
    rows = {}
    for line in open(f"{out}/{impl}.jsonl"):
        d = json.loads(line)
        for run in d["runs"]:
            key = (d["model"], d["task"], run["batch"])
            rate = run["samples_per_s"] if d["task"] == "train" else run["samples_nfe_per_s"]
            rows.setdefault(key, {"rate": [], "rss": []})
            rows[key]["rate"].append(rate["median"])
            rows[key]["rss"].append(d["peak_rss_mb"])
    return rows
drift, torch = load("drift"), load("torch")
print(f"{rounds} rounds, {threads} threads; figures are medians over rounds of each run's median.\n")
print("| workload | batch | unit | drift | PyTorch | drift / PyTorch | drift runs (min–max) | PyTorch runs (min–max) | peak RSS drift / PyTorch (MB) |")
print("|---|---:|---|---:|---:|---:|---|---|---|")
for key in sorted(drift, key=lambda k: (k[0], k[1] != "train", k[2])):
    d, t = drift[key], torch.get(key)
    if t is None:
        continue
    md, mt = statistics.median(d["rate"]), statistics.median(t["rate"])
    unit = "samples/s" if key[1] == "train" else "samples·NFE/s"
    print(f"| {key[0]} {key[1]} | {key[2]} | {unit} | {md:,.0f} | {mt:,.0f} | **{md / mt:.2f}×** | "
          f"{min(d['rate']):,.0f}–{max(d['rate']):,.0f} | {min(t['rate']):,.0f}–{max(t['rate']):,.0f} | "
          f"{statistics.median(d['rss']):,.0f} / {statistics.median(t['rss']):,.0f} |")
print(f"\nraw JSON lines: {out}/drift.jsonl, {out}/torch.jsonl")
PY
