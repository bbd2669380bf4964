#!/usr/bin/env python3
"""Draws FD against training step from one or more runs' fd-curve.csv (scripts/fd-curve.sh) as an SVG.

Usage: scripts/plot-fd-curve.py OUT.svg NAME=RUN_DIR [NAME=RUN_DIR ...]
Each run is one solid line (FD of its EMA snapshots) with its data floor dotted in the same colour.
Python's standard library only.
"""
import csv, os, sys

W, H, L, R, T, B = 640, 400, 64, 150, 30, 48
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip())
    out, runs = sys.argv[1], []
    for arg in sys.argv[2:]:
        name, _, folder = arg.partition("=")
        path = os.path.join(folder, "fd-curve.csv")
        if not os.path.exists(path):
            sys.exit(f"{path} does not exist (run scripts/fd-curve.sh {folder} first)")
        rows = sorted(csv.DictReader(open(path)), key=lambda r: int(r["step"]))
        if not rows:
            sys.exit(f"{path} has no rows")
        runs.append((name, rows))
    steps = [int(r["step"]) for _, rows in runs for r in rows]
    values = [float(r[k]) for _, rows in runs for r in rows for k in ("fd", "fd_floor")]
    x0, x1 = 0, max(steps) * 1.05
    y0, y1 = 0, max(values) * 1.1
    sx = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
    sy = lambda y: H - B - (y - y0) / (y1 - y0) * (H - T - B)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
             f'<rect width="{W}" height="{H}" fill="white"/>',
             f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
             f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
    def ticks(lo, hi, n=5):
        raw = (hi - lo) / n
        mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
        step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
        t = 0.0
        while t <= hi:
            yield t
            t += step
    for t in ticks(x0, x1):
        parts.append(f'<line x1="{sx(t):.1f}" y1="{H - B}" x2="{sx(t):.1f}" y2="{H - B + 4}" stroke="black"/>')
        parts.append(f'<text x="{sx(t):.1f}" y="{H - B + 17}" text-anchor="middle">{int(t):,}</text>')
    for t in ticks(y0, y1):
        parts.append(f'<line x1="{L - 4}" y1="{sy(t):.1f}" x2="{L}" y2="{sy(t):.1f}" stroke="black"/>')
        parts.append(f'<line x1="{L}" y1="{sy(t):.1f}" x2="{W - R}" y2="{sy(t):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{L - 7}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    parts.append(f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">training step</text>')
    parts.append(f'<text x="16" y="{(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 {(T + H - B) / 2})">FD (classifier features)</text>')
    first = runs[0][1][0]
    parts.append(f'<text x="{L}" y="18">FD of EMA samples, {first["sampler"]} ({first["nfe"]} NFE), N = {first["n"]}; dotted: FD(train, test) floor</text>')
    for i, (name, rows) in enumerate(runs):
        c = COLOURS[i % len(COLOURS)]
        pts = " ".join(f"{sx(int(r['step'])):.1f},{sy(float(r['fd'])):.1f}" for r in rows)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        for r in rows:
            parts.append(f'<circle cx="{sx(int(r["step"])):.1f}" cy="{sy(float(r["fd"])):.1f}" r="3.5" fill="{c}"/>')
        floor = sum(float(r["fd_floor"]) for r in rows) / len(rows)
        parts.append(f'<line x1="{L}" y1="{sy(floor):.1f}" x2="{W - R}" y2="{sy(floor):.1f}" stroke="{c}" stroke-dasharray="4 4"/>')
        parts.append(f'<line x1="{W - R + 12}" y1="{T + 20 + 20 * i}" x2="{W - R + 32}" y2="{T + 20 + 20 * i}" stroke="{c}" stroke-width="2"/>')
        parts.append(f'<text x="{W - R + 38}" y="{T + 24 + 20 * i}">{name}</text>')
    parts.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(parts) + "\n")
    print(out)

main()
