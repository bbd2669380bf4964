#!/usr/bin/env python3
"""Writes Fashion-MNIST test images as 28x28 grey PNGs (for the editing examples in the README).

Usage: scripts/fashion-png.py OUT_DIR INDEX [INDEX ...]   (indices into the 10,000 test images)
Python's standard library only; reads Debian's dataset-fashion-mnist (or $DRIFT_FASHION_MNIST).
"""
import gzip, os, struct, sys, zlib

def png(path, pixels, w, h):
    raw = b"".join(b"\x00" + bytes(pixels[y * w:(y + 1) * w]) for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip())
    out, indices = sys.argv[1], [int(a) for a in sys.argv[2:]]
    folder = os.environ.get("DRIFT_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz")) as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        data = f.read()
    os.makedirs(out, exist_ok=True)
    for i in indices:
        if not 0 <= i < n:
            sys.exit(f"index {i} is outside 0..{n - 1}")
        path = os.path.join(out, f"test-{i}.png")
        png(path, data[i * h * w:(i + 1) * h * w], w, h)
        print(path)

main()
