#!/usr/bin/env bash
# Drift's GEMM against OpenBLAS on this CPU: 1024³, unet28's convolution shapes (im2col and
# Winograd), the convolutions whole, mlp2d's; once per OpenBLAS core type, so Drift is compared with the best
# OpenBLAS kernel for this CPU. Needs libopenblas-dev (a yardstick only; Drift does not link it).
#   scripts/bench-gemm.sh            # prints a Markdown table; raw lines in $OUT (default /tmp/drift-gemm-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
dpkg-query -W -f='${Status}' libopenblas-dev 2>/dev/null | grep -q "install ok installed" \
  || { echo "bench-gemm: needs libopenblas-dev (apt-get install libopenblas-dev)" >&2; exit 1; }
OUT=${OUT:-/tmp/drift-gemm-bench}
mkdir -p "$OUT"
K=Sources/DriftKernels
clang -O3 -ffp-contract=off -march=haswell -I$K/include -I$K $K/*.c scripts/gemm_bench.c -o "$OUT/gemm_bench" -lopenblas -lpthread
grep -m1 'model name' /proc/cpuinfo | sed 's/.*: /CPU: /'
for core in "" SkylakeX Cooperlake Haswell; do
  if [ -z "$core" ]; then env -u OPENBLAS_CORETYPE "$OUT/gemm_bench"; else OPENBLAS_CORETYPE=$core "$OUT/gemm_bench"; fi > "$OUT/core-${core:-default}.tsv"
done
python3 - "$OUT" <<'PY'
import glob, sys
rows = {}
for f in sorted(glob.glob(sys.argv[1] + "/core-*.tsv")):
    for line in open(f):
        label, m, n, k, ta, tb, th, d, o, core = line.rstrip("\n").split("\t")
        r = rows.setdefault(label, {"shape": f"{m}×{n}×{k}" + (" Aᵀ" if ta == "1" else "") + (" Bᵀ" if tb == "1" else ""),
                                    "threads": th, "drift": [], "blas": {}})
        r["drift"].append(float(d))
        r["blas"][core] = max(r["blas"].get(core, 0), float(o))
print("| shape | m×n×k | threads | Drift GFLOP/s | best OpenBLAS GFLOP/s (core) | Drift / best |")
print("|---|---|---:|---:|---|---:|")
for label, r in rows.items():
    d = sorted(r["drift"])[len(r["drift"]) // 2]
    core, best = max(r["blas"].items(), key=lambda kv: kv[1])
    print(f"| {label} | {r['shape']} | {r['threads']} | {d:.1f} | {best:.1f} ({core}) | {d / best:.2f} |")
PY
