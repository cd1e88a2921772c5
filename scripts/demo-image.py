#!/usr/bin/env python3
"""Writes a small synthetic chest-X-ray-like image for the demo releases.

    demo-image.py OUT.png|OUT.jpg|OUT.dcm WIDTH HEIGHT SEED [--bits 8|16] [--rgb]
                  [--from IN.png [--scale K]] [--patient ID --sex M|F --age N --view PA|AP]
                  [--box X1,Y1,X2,Y2 ...] [--mono1]
                  [--sop UID]
    demo-image.py OUT.IMG 2048 2048 SEED [--block N]

A .dcm is a DICOM Part-10 file as RSNA Pneumonia's stage_2_train_images hold
them (Secondary Capture, Modality CR, 8-bit MONOCHROME2, one sample), its
pixel data native in explicit VR little endian, with PatientID, PatientSex,
PatientAge, BodyPartExamined, ViewPosition and PixelSpacing as given.
--from takes the pixels of an 8-bit grey PNG instead of drawing them (a
demo image seen again in another release: the same picture, re-encoded),
--scale K repeats each of them K x K times (the same picture, resized);
WIDTH and HEIGHT are then ignored. A name ending in .dicom is the same kind
of file (VinDr's extension). For a DICOM, --bits 16 stores 16-bit samples of
12 bits (VinDr's), --mono1 writes MONOCHROME1 (the stored values inverted,
so it displays the same picture), and each --box X1,Y1,X2,Y2 (pixels,
repeatable) draws a bright synthetic finding filling that box, so a contact
sheet shows whether a box sits on its finding.
--draw SHAPE:X1,Y1,X2,Y2[:LEVEL] (repeatable) paints a filled synthetic
finding or object onto the 8-bit grey picture of a PNG or JPEG, in its
pixels (the --box of a DICOM, for PNG and JPEG): SHAPE rect or
ellipse (given by its bounding box) or poly:X1,Y1,X2,Y2,...,XN,YN; LEVEL is
its grey value (default 245, a metal-bright object). A pixel is painted when
its centre lies inside the shape, so the shape's enclosing box is the box a
release states for it.

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


def read_grey_png(path):
    """The rows of an 8-bit grey, non-interlaced PNG (every filter type)."""
    with open(path, "rb") as f:
        data = f.read()
    at, idat, w = 8, b"", 0
    while at < len(data):
        n, tag = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        if tag == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour != 0:
                sys.exit("%s: not an 8-bit grey PNG" % path)
        elif tag == b"IDAT":
            idat += body
        at += 12 + n
    raw, out, prev = zlib.decompress(idat), [], bytearray(w)
    for y in range(h):
        ft, line = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
        for x in range(w):
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        out.append(bytes(line))
        prev = line
    return out


def grey_rows(a, w, h, seed):
    """8-bit grey rows: drawn, or read from --from and scaled by --scale."""
    if "--from" not in a:
        return [r[1:] for r in rows(w, h, seed, 8, False)]
    src = read_grey_png(a[a.index("--from") + 1])
    k = int(a[a.index("--scale") + 1]) if "--scale" in a else 1
    return [bytes(v for v in r for _ in range(k)) for r in src for _ in range(k)]


def inside(shape, pts, x, y):
    if shape == "rect":
        return pts[0] <= x <= pts[2] and pts[1] <= y <= pts[3]
    if shape == "ellipse":
        cx, cy = (pts[0] + pts[2]) / 2, (pts[1] + pts[3]) / 2
        rx, ry = (pts[2] - pts[0]) / 2, (pts[3] - pts[1]) / 2
        return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    xs, ys, hit = pts[0::2], pts[1::2], False
    for i in range(len(xs)):
        j = i - 1
        if (ys[i] > y) != (ys[j] > y) and x < xs[j] + (xs[i] - xs[j]) * (y - ys[j]) / (ys[i] - ys[j]):
            hit = not hit
    return hit


def draw(grey, a):
    """Paints every --draw shape onto the rows (pixel centres inside it)."""
    out = [bytearray(r) for r in grey]
    for i, arg in enumerate(a):
        if arg != "--draw":
            continue
        parts = a[i + 1].split(":")
        shape, pts = parts[0], [float(v) for v in parts[1].split(",")]
        level = int(parts[2]) if len(parts) > 2 else 245
        for y in range(len(out)):
            for x in range(len(out[0])):
                if inside(shape, pts, x + 0.5, y + 0.5):
                    out[y][x] = level
    return [bytes(r) for r in out]


def elem(group, el, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, el, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, el, vr.encode(), len(value)) + value


def draw_boxes(grey, a):
    """A bright ellipse filling each --box, with a soft edge."""
    rows = [bytearray(r) for r in grey]
    for i, v in enumerate(a):
        if v != "--box":
            continue
        x1, y1, x2, y2 = (float(t) for t in a[i + 1].split(","))
        cx, cy, rx, ry = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2, (y2 - y1) / 2
        for y in range(int(y1), min(len(rows), int(y2) + 1)):
            for x in range(int(x1), min(len(rows[0]), int(x2) + 1)):
                d = ((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2
                if d < 1:
                    rows[y][x] = max(rows[y][x], int(235 - 40 * d))
    return [bytes(r) for r in rows]


def write_dcm(out, grey, a):
    def opt(name, default):
        return a[a.index(name) + 1] if name in a else default
    pid = opt("--patient", "demo")
    grey = draw_boxes(grey, a)
    h, w = len(grey), len(grey[0])
    bits = int(opt("--bits", "8"))
    mono1 = "--mono1" in a
    if bits == 16:
        pixels = b"".join(struct.pack("<%dH" % w, *((4095 - v * 4095 // 255) if mono1 else
                                                    v * 4095 // 255 for v in r)) for r in grey)
    else:
        pixels = b"".join(bytes(255 - v for v in r) if mono1 else r for r in grey)
    sc = "1.2.840.10008.5.1.4.1.1.7"
    sop = opt("--sop", "1.2.276.0.7230010.3.1.4.%d" % (zlib.crc32(pid.encode()) & 0xFFFFFFF))
    u16 = lambda v: struct.pack("<H", v)
    meta = (elem(2, 0x0001, "OB", b"\0\1") + elem(2, 0x0002, "UI", sc) +
            elem(2, 0x0003, "UI", sop) + elem(2, 0x0010, "UI", "1.2.840.10008.1.2.1") +
            elem(2, 0x0012, "UI", "1.2.276.0.7230010.3.0.3.6.0"))
    meta = elem(2, 0x0000, "UL", struct.pack("<I", len(meta))) + meta
    ds = (elem(8, 0x0005, "CS", "ISO_IR 100") + elem(8, 0x0016, "UI", sc) +
          elem(8, 0x0018, "UI", sop) + elem(8, 0x0020, "DA", "19010101") +
          elem(8, 0x0060, "CS", "CR") + elem(8, 0x103E, "LO", "view: " + opt("--view", "PA")) +
          elem(0x10, 0x0010, "PN", pid) + elem(0x10, 0x0020, "LO", pid) +
          elem(0x10, 0x0040, "CS", opt("--sex", "M")) + elem(0x10, 0x1010, "AS", opt("--age", "50")) +
          elem(0x18, 0x0015, "CS", "CHEST") + elem(0x18, 0x5101, "CS", opt("--view", "PA")) +
          elem(0x20, 0x000D, "UI", sop + ".1") + elem(0x20, 0x000E, "UI", sop + ".2") +
          elem(0x28, 0x0002, "US", u16(1)) +
          elem(0x28, 0x0004, "CS", "MONOCHROME1" if mono1 else "MONOCHROME2") +
          elem(0x28, 0x0010, "US", u16(h)) + elem(0x28, 0x0011, "US", u16(w)) +
          elem(0x28, 0x0030, "DS", "0.143\\0.143") + elem(0x28, 0x0100, "US", u16(bits)) +
          elem(0x28, 0x0101, "US", u16(12 if bits == 16 else 8)) +
          elem(0x28, 0x0102, "US", u16(11 if bits == 16 else 7)) +
          elem(0x28, 0x0103, "US", u16(0)) +
          elem(0x7FE0, 0x0010, "OW" if bits == 16 else "OB", pixels))
    with open(out, "wb") as f:
        f.write(b"\0" * 128 + b"DICM" + meta + ds)


def main():
    a = sys.argv[1:]
    if len(a) < 4:
        sys.exit(__doc__)
    out, w, h, seed = a[0], int(a[1]), int(a[2]), int(a[3])
    bits = int(a[a.index("--bits") + 1]) if "--bits" in a else 8
    low = out.lower()
    if out.endswith(".IMG"):
        block = int(a[a.index("--block") + 1]) if "--block" in a else 32
        write_jsrt(out, w, h, seed, block)
    elif low.endswith(".dcm") or low.endswith(".dicom"):
        write_dcm(out, grey_rows(a, w, h, seed), a)
    elif "--from" in a or "--draw" in a:
        grey = draw(grey_rows(a, w, h, seed), a)
        if low.endswith(".png"):
            ihdr = struct.pack(">IIBBBBB", len(grey[0]), len(grey), 8, 0, 0, 0, 0)
            with open(out, "wb") as f:
                f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                        chunk(b"IDAT", zlib.compress(b"".join(b"\0" + r for r in grey), 9)) +
                        chunk(b"IEND", b""))
        else:
            pgm = b"P5 %d %d 255\n" % (len(grey[0]), len(grey)) + b"".join(grey)
            with open(out, "wb") as f:
                subprocess.run(["cjpeg", "-quality", "90", "-grayscale"], input=pgm, stdout=f,
                               check=True)
    elif low.endswith(".png"):
        write_png(out, w, h, seed, bits, "--rgb" in a)
    else:
        write_jpg(out, w, h, seed)


if __name__ == "__main__":  # scripts/demo-ptx.py imports the writers
    main()
