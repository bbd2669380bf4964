#!/usr/bin/env python3
"""Makes the DriftIOTests fixtures with independent tools (h5py, Pillow).

Run from this folder: python3 make_fixtures.py. Not needed to run the tests;
the outputs are committed (a few KB).
"""
import struct
import zlib

import h5py
import numpy as np
from PIL import Image, PngImagePlugin

# HDF5 written by h5py: no crc32 attributes, float64, int32, big-endian,
# gzip-compressed chunks, str and bytes attributes.
with h5py.File("h5py_written.h5", "w") as f:
    f.attrs["config"] = '{"hidden": 64}'
    f.attrs["fixed"] = np.bytes_("abc")
    f.attrs["count"] = np.int32(7)
    f.attrs["ratio"] = 0.5
    f.create_dataset("float64", data=np.arange(6, dtype=np.float64).reshape(2, 3) / 4)
    f.create_dataset("int32", data=np.array([-3, 0, 9], dtype=np.int32))
    f.create_dataset("bigendian", data=np.array([1.5, -2.0], dtype=">f4"))
    f.create_dataset("nested/gzip", data=np.linspace(-1, 1, 100, dtype=np.float32).reshape(10, 10),
                     compression="gzip", chunks=(5, 5))

def write_adam7_rgba(path, rgba):
    """An 8-bit RGBA PNG with Adam7 interlacing (Pillow cannot write those)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    hh, ww, _ = rgba.shape
    raw = b""
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = rgba[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw += b"\0" + row.tobytes()
    ihdr = struct.pack(">IIBBBBB", ww, hh, 8, 6, 0, 0, 1)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# libver="latest" compressed datasets use a layout message libhdf5 1.10 cannot decode.
with h5py.File("h5py_latest.h5", "w", libver="latest") as f:
    f.create_dataset("contiguous", data=np.ones(3, dtype=np.float32))
    f.create_dataset("chunked", data=np.ones((4, 4), dtype=np.float32), chunks=(2, 2), compression="gzip")


# PNGs of unusual kinds, all encoding the same 5x3 gradient; value(x, y) = 40*x + 10*y.
w, h = 5, 3
gray = np.array([[40 * x + 10 * y for x in range(w)] for y in range(h)], dtype=np.uint8)
Image.fromarray(gray.astype(np.uint16) * 257).save("gray16.png")              # 16-bit grayscale
rgb = np.stack([gray, 255 - gray, np.full_like(gray, 7)], axis=-1)
Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save("palette.png")
write_adam7_rgba("rgba_interlaced.png", np.dstack([rgb, np.full_like(gray, 128)]))
meta = PngImagePlugin.PngInfo()
meta.add_text("Software", "Pillow")
meta.add_itxt("Comment", "grüße", zip=True)
Image.fromarray(gray).save("gray_text.png", pnginfo=meta)
Image.fromarray(np.dstack([gray, np.full_like(gray, 200)]), mode="LA").save("gray_alpha.png")
