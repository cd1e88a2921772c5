#!/usr/bin/env python3
"""Writes a small synthetic chest-X-ray-like image for the demo releases.

    demo-image.py OUT.png|OUT.jpg WIDTH HEIGHT SEED [--bits 8|16] [--rgb]
    demo-image.py OUT.IMG 2048 2048 SEED [--block N]


The picture is a bright body outline with two darker lung fields and some
seed-dependent texture, so images differ from each other and look like
something. PNGs are written here with zlib (8- or 16-bit grey, or 8-bit RGB);
JPEGs are a PGM piped through cjpeg (Debian's libjpeg-turbo-progs). A name
ending in .IMG is a JSRT raw file: no header, big-endian 16-bit samples of
12-bit values (0-4095), 0 white as in JSRT; JSRT's decoder takes only its
2048 x 2048 size, so the picture is drawn on a grid of N x N blocks (default
32) to keep the 8 MB file very compressible (a few KB in a zip). Output is a
pure function of the arguments.
"""
import math
import struct
import subprocess
import sys
import zlib


def pixel(x, y, w, h, seed):
    nx, ny = (x - w / 2) / (w / 2), (y - h / 2) / (h / 2)
    v = 60 + 120 * max(0.0, 1 - (nx * nx * 0.9 + ny * ny * 0.6))
    for cx in (-0.45, 0.45):
        d = ((nx - cx) / 0.33) ** 2 + ((ny + 0.05) / 0.6) ** 2
        if d < 1:
            v -= 70 * (1 - d)
    v += 12 * math.sin((x * 0.7 + seed * 13) * 0.31) * math.cos((y + seed * 7) * 0.23)
    return max(0.0, min(255.0, v)) / 255.0


def rows(w, h, seed, bits, rgb):
    for y in range(h):
        row = bytearray([0])
        for x in range(w):
            p = pixel(x, y, w, h, seed)
            if bits == 16:
                row += struct.pack(">H", int(p * 65535))
            elif rgb:
                g = int(p * 255)
                row += bytes([g, g, g])
            else:
                row.append(int(p * 255))
        yield bytes(row)


def chunk(tag, data):
    c = struct.pack(">I", len(data)) + tag + data
    return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(out, w, h, seed, bits, rgb):
    colour = 2 if rgb else 0
    ihdr = struct.pack(">IIBBBBB", w, h, bits, colour, 0, 0, 0)
    data = zlib.compress(b"".join(rows(w, h, seed, bits, rgb)), 9)
    with open(out, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) +
                chunk(b"IEND", b""))


def write_jpg(out, w, h, seed):
    pgm = b"P5 %d %d 255\n" % (w, h) + b"".join(r[1:] for r in rows(w, h, seed, 8, False))
    with open(out, "wb") as f:
        subprocess.run(["cjpeg", "-quality", "90", "-grayscale"], input=pgm, stdout=f,
                       check=True)


def write_jsrt(out, w, h, seed, block):
    gw, gh = (w + block - 1) // block, (h + block - 1) // block
    grid = [[4095 - int(pixel(x, y, gw, gh, seed) * 4095) for x in range(gw)]
            for y in range(gh)]
    with open(out, "wb") as f:
        for y in range(h):
            f.write(b"".join(struct.pack(">H", grid[y // block][x // block])
                             for x in range(w)))


def main():
    a = sys.argv[1:]
    if len(a) < 4:
        sys.exit(__doc__)
    out, w, h, seed = a[0], int(a[1]), int(a[2]), int(a[3])
    bits = int(a[a.index("--bits") + 1]) if "--bits" in a else 8
    if out.endswith(".IMG"):
        block = int(a[a.index("--block") + 1]) if "--block" in a else 32
        write_jsrt(out, w, h, seed, block)
    elif out.endswith(".png"):
        write_png(out, w, h, seed, bits, "--rgb" in a)
    else:
        write_jpg(out, w, h, seed)


main()
