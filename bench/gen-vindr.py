#!/usr/bin/env python3
"""Writes a VinDr-CXR-shaped release for the DICOM header-probe benchmark.

    gen-vindr.py OUT [--count N]      (default 15000, the PhysioNet train images)

OUT gets annotations/image_labels_train.csv (three reader rows per image,
the real 30-column header), annotations/annotations_train.csv (about 30 %
of images with one to four boxes per reader, the rest "No finding" rows)
and train/<image_id>.dicom: DICOM Part 10 files laid out like VinDr's
(explicit VR little endian, Modality DX, PatientSex, PatientAge as "040Y",
16-bit samples of 12 to 14 bits stored, Rows and Columns drawn around
2,500 x 3,000, a third MONOCHROME1, windowing tags), their pixel data native
and full length: the element header is written, then the file is extended
to its full size as a hole (a sparse file), so 15,000 files of about 15 MB
each take a few hundred KB of disk. The header probe reads the head of each
file, never its pixels. Deterministic: a fixed seed, ids from it.
"""
import hashlib
import os
import random
import struct
import sys

LABELS = ["Aortic enlargement", "Atelectasis", "Calcification", "Cardiomegaly",
          "Clavicle fracture", "Consolidation", "Edema", "Emphysema", "Enlarged PA", "ILD",
          "Infiltration", "Lung Opacity", "Lung cavity", "Lung cyst", "Mediastinal shift",
          "Nodule/Mass", "Pleural effusion", "Pleural thickening", "Pneumothorax",
          "Pulmonary fibrosis", "Rib fracture", "Other lesion", "COPD", "Lung tumor",
          "Pneumonia", "Tuberculosis", "Other diseases", "No finding"]
LOCAL = LABELS[:22]


def elem(group, el, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, el, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, el, vr.encode(), len(value)) + value


def header(image_id, rows, cols, stored, mono1, sex, age):
    dx = "1.2.840.10008.5.1.4.1.1.1.1"
    sop = "1.2.826.0.1.3680043.8.498.%d" % int(image_id[:12], 16)
    u16 = lambda v: struct.pack("<H", v)
    meta = (elem(2, 0x0001, "OB", b"\0\1") + elem(2, 0x0002, "UI", dx) + elem(2, 0x0003, "UI", sop) +
            elem(2, 0x0010, "UI", "1.2.840.10008.1.2.1") +
            elem(2, 0x0012, "UI", "1.2.826.0.1.3680043.8.498.1"))
    meta = elem(2, 0x0000, "UL", struct.pack("<I", len(meta))) + meta
    ds = (elem(8, 0x0016, "UI", dx) + elem(8, 0x0018, "UI", sop) + elem(8, 0x0060, "CS", "DX") +
          elem(8, 0x0070, "LO", "VENDOR") + elem(0x10, 0x0040, "CS", sex) +
          elem(0x10, 0x1010, "AS", "%03dY" % age) + elem(0x18, 0x0015, "CS", "CHEST") +
          elem(0x20, 0x000D, "UI", sop + ".1") + elem(0x20, 0x000E, "UI", sop + ".2") +
          elem(0x28, 0x0002, "US", u16(1)) +
          elem(0x28, 0x0004, "CS", "MONOCHROME1" if mono1 else "MONOCHROME2") +
          elem(0x28, 0x0010, "US", u16(rows)) + elem(0x28, 0x0011, "US", u16(cols)) +
          elem(0x28, 0x0030, "DS", "0.139\\0.139") + elem(0x28, 0x0100, "US", u16(16)) +
          elem(0x28, 0x0101, "US", u16(stored)) + elem(0x28, 0x0102, "US", u16(stored - 1)) +
          elem(0x28, 0x0103, "US", u16(0)) + elem(0x28, 0x1050, "DS", "2048") +
          elem(0x28, 0x1051, "DS", "4096") +
          struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, rows * cols * 2))
    return b"\0" * 128 + b"DICM" + meta + ds


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    out = a[0]
    count = int(a[a.index("--count") + 1]) if "--count" in a else 15000
    rng = random.Random(2020)
    os.makedirs(os.path.join(out, "annotations"), exist_ok=True)
    os.makedirs(os.path.join(out, "train"), exist_ok=True)
    ids = sorted(hashlib.md5(b"vindr-bench-%d" % i).hexdigest() for i in range(count))
    with open(os.path.join(out, "annotations", "image_labels_train.csv"), "w") as lab, \
         open(os.path.join(out, "annotations", "annotations_train.csv"), "w") as box:
        lab.write("image_id,rad_id," + ",".join(LABELS) + "\n")
        box.write("image_id,rad_id,class_name,x_min,y_min,x_max,y_max\n")
        for image_id in ids:
            rows, cols = rng.randint(2300, 3100), rng.randint(2000, 2800)
            sick = rng.random() < 0.3
            for rad in rng.sample(range(1, 18), 3):
                found = rng.sample(LOCAL, rng.randint(1, 3)) if sick else []
                lab.write("%s,R%d,%s\n" % (image_id, rad, ",".join(
                    "1" if l in found or (l == "No finding" and not found) else "0"
                    for l in LABELS)))
                if not found:
                    box.write("%s,R%d,No finding,,,,\n" % (image_id, rad))
                for cls in found:
                    x, y = rng.randint(100, cols - 600), rng.randint(100, rows - 600)
                    box.write("%s,R%d,%s,%d.0,%d.0,%d.0,%d.0\n" % (
                        image_id, rad, cls, x, y, x + rng.randint(50, 500),
                        y + rng.randint(50, 500)))
            head = header(image_id, rows, cols, rng.choice((12, 14, 16)), rng.random() < 0.33,
                          rng.choice("MFO"), rng.randint(18, 90))
            with open(os.path.join(out, "train", image_id + ".dicom"), "wb") as f:
                f.write(head)
                f.truncate(len(head) + rows * cols * 2)


main()
