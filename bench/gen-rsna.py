#!/usr/bin/env python3
"""Writes an RSNA-Pneumonia-shaped release for the DICOM header-probe benchmark.

    gen-rsna.py OUT [--count N]      (default 26684, the stage 2 train images)

OUT gets stage_2_train_labels.csv and stage_2_detailed_class_info.csv (the
real headers, one row per box, about 22 % of images positive with one or two
boxes, classes Lung Opacity / No Lung Opacity / Not Normal / Normal) and
stage_2_train_images/<patientId>.dcm: DICOM Part 10 files laid out like the
real ones (Secondary Capture, Modality CR, PatientID = patientId, PatientSex,
PatientAge, ViewPosition, PixelSpacing, 1024x1024 8-bit MONOCHROME2), their
pixel data one encapsulated JPEG baseline fragment (transfer syntax
1.2.840.10008.1.2.4.50) after an empty offset table. Every file holds the same
JPEG (one 1024x1024 picture made once with cjpeg, about 100 KB, the size of a
real file), so writing is fast; the header probe reads headers, not pixels.
Deterministic: a fixed seed, ids from it.
"""
import os
import random
import struct
import subprocess
import sys
import uuid


def elem(group, el, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, el, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, el, vr.encode(), len(value)) + value


def picture():
    """One 1024x1024 grey JPEG: a body outline, two lung fields, noise."""
    rng = random.Random(7)
    w = h = 1024
    rows = []
    for y in range(h):
        ny = (y - h / 2) / (h / 2)
        row = bytearray(w)
        for x in range(w):
            nx = (x - w / 2) / (w / 2)
            v = 60 + 120 * max(0.0, 1 - (nx * nx * 0.9 + ny * ny * 0.6))
            for cx in (-0.45, 0.45):
                d = ((nx - cx) / 0.33) ** 2 + ((ny + 0.05) / 0.6) ** 2
                if d < 1:
                    v -= 70 * (1 - d)
            row[x] = max(0, min(255, int(v + rng.random() * 8)))
        rows.append(bytes(row))
    pgm = b"P5 1024 1024 255\n" + b"".join(rows)
    return subprocess.run(["cjpeg", "-quality", "85", "-grayscale"], input=pgm,
                          stdout=subprocess.PIPE, check=True).stdout


def dicom(pid, sex, age, view, jpeg):
    sc = "1.2.840.10008.5.1.4.1.1.7"
    sop = "1.2.276.0.7230010.3.1.4.8323329.%d.%d" % (int(pid[:6], 16), int(pid[-6:], 16))
    u16 = lambda v: struct.pack("<H", v)
    meta = (elem(2, 0x0001, "OB", b"\0\1") + elem(2, 0x0002, "UI", sc) + elem(2, 0x0003, "UI", sop) +
            elem(2, 0x0010, "UI", "1.2.840.10008.1.2.4.50") +
            elem(2, 0x0012, "UI", "1.2.276.0.7230010.3.0.3.6.0"))
    meta = elem(2, 0x0000, "UL", struct.pack("<I", len(meta))) + meta
    if len(jpeg) % 2:
        jpeg += b"\0"
    pixels = (struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF) +
              struct.pack("<HHI", 0xFFFE, 0xE000, 0) +
              struct.pack("<HHI", 0xFFFE, 0xE000, len(jpeg)) + jpeg +
              struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
    ds = (elem(8, 0x0005, "CS", "ISO_IR 100") + elem(8, 0x0016, "UI", sc) + elem(8, 0x0018, "UI", sop) +
          elem(8, 0x0020, "DA", "19010101") + elem(8, 0x0060, "CS", "CR") +
          elem(8, 0x103E, "LO", "view: " + view) + elem(0x10, 0x0010, "PN", pid) +
          elem(0x10, 0x0020, "LO", pid) + elem(0x10, 0x0040, "CS", sex) +
          elem(0x10, 0x1010, "AS", str(age)) + elem(0x18, 0x0015, "CS", "CHEST") +
          elem(0x18, 0x5101, "CS", view) + elem(0x20, 0x000D, "UI", sop + ".1") +
          elem(0x20, 0x000E, "UI", sop + ".2") + elem(0x28, 0x0002, "US", u16(1)) +
          elem(0x28, 0x0004, "CS", "MONOCHROME2") + elem(0x28, 0x0010, "US", u16(1024)) +
          elem(0x28, 0x0011, "US", u16(1024)) + elem(0x28, 0x0030, "DS", "0.168\\0.168") +
          elem(0x28, 0x0100, "US", u16(8)) + elem(0x28, 0x0101, "US", u16(8)) +
          elem(0x28, 0x0102, "US", u16(7)) + elem(0x28, 0x0103, "US", u16(0)) +
          elem(0x28, 0x2110, "CS", "01") + elem(0x28, 0x2114, "CS", "ISO_10918_1") + pixels)
    return b"\0" * 128 + b"DICM" + meta + ds


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    out = a[0]
    count = int(a[a.index("--count") + 1]) if "--count" in a else 26684
    rng = random.Random(2018)
    os.makedirs(os.path.join(out, "stage_2_train_images"), exist_ok=True)
    jpeg = picture()
    ids = sorted(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count))
    with open(os.path.join(out, "stage_2_train_labels.csv"), "w") as lab, \
         open(os.path.join(out, "stage_2_detailed_class_info.csv"), "w") as cls:
        lab.write("patientId,x,y,width,height,Target\n")
        cls.write("patientId,class\n")
        for pid in ids:
            r = rng.random()
            if r < 0.22:
                for _ in range(rng.choice((1, 2, 2))):
                    x, y = rng.randint(100, 700), rng.randint(100, 600)
                    lab.write("%s,%d.0,%d.0,%d.0,%d.0,1\n" % (pid, x, y, rng.randint(60, 300),
                                                             rng.randint(80, 400)))
                    cls.write("%s,Lung Opacity\n" % pid)
            else:
                lab.write("%s,,,,,0\n" % pid)
                cls.write("%s,%s\n" % (pid, "Normal" if r < 0.55 else
                                       "No Lung Opacity / Not Normal"))
            name = os.path.join(out, "stage_2_train_images", pid + ".dcm")
            with open(name, "wb") as f:
                f.write(dicom(pid, rng.choice("MF"), rng.randint(1, 92), rng.choice(("PA", "AP")),
                              jpeg))


main()
