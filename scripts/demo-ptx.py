#!/usr/bin/env python3
"""Writes the demo releases of SIIM-ACR and CANDID-PTX: masks drawn as
shapes on the releases' 1024 x 1024 grid, encoded as SIIM's relative,
column-major RLE, and small DICOM (and one JPEG) images with a synthetic
finding painted where each mask is, so that `sample --png` shows the boxes
on something:

    demo-ptx.py siim OUT_DIR      # train-rle.csv, dicom-images-train/, dicom-images-test/
    demo-ptx.py candid OUT_DIR    # Pneumothorax_reports.csv, chest_tube.csv,
                                  # acute_rib_fracture.csv, dataset/

A pneumothorax is painted black with a bright edge (the pleural line), a
chest tube bright, a rib fracture as a bright spot crossed by a dark gap.
The images are 96 x 96 (the real ones 1024 x 1024 and larger); the masks stay
on the 1024 grid, as the releases state them. Output is a pure function of
the arguments; the pictures come from scripts/demo-image.py.
"""
import importlib.util
import os
import subprocess
import sys

GRID, SIZE = 1024, 96

_spec = importlib.util.spec_from_file_location(
    "demo_image", os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo-image.py"))
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)


def ellipse(cx, cy, rx, ry):
    return lambda x, y: ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1, \
        (cx - rx, cy - ry, cx + rx, cy + ry)


def crescent(cx, cy, rx, ry, dx, dy):
    """Inside one ellipse, outside the same one moved by (dx, dy)."""
    a, box = ellipse(cx, cy, rx, ry)
    b, _ = ellipse(cx + dx, cy + dy, rx, ry)
    return lambda x, y: a(x, y) and not b(x, y), box


def band(x0, y0, x1, y1, half):
    """A straight tube of half-width half from (x0, y0) to (x1, y1)."""
    vx, vy = x1 - x0, y1 - y0
    n2 = vx * vx + vy * vy

    def inside(x, y):
        t = max(0.0, min(1.0, ((x - x0) * vx + (y - y0) * vy) / n2))
        px, py = x0 + t * vx - x, y0 + t * vy - y
        return px * px + py * py <= half * half
    return inside, (min(x0, x1) - half, min(y0, y1) - half, max(x0, x1) + half,
                    max(y0, y1) + half)


def mirror(shape):
    f, (a, b, c, d) = shape
    return (lambda x, y: f(GRID - 1 - x, y)), (GRID - 1 - c, b, GRID - 1 - a, d)


def union(*shapes):
    return (lambda x, y: any(f(x, y) for f, _ in shapes)), (
        min(s[1][0] for s in shapes), min(s[1][1] for s in shapes),
        max(s[1][2] for s in shapes), max(s[1][3] for s in shapes))


def rle(shape):
    """SIIM's relative RLE: column-major pixel numbers, the first start an
    offset, every later one the gap after the previous run."""
    f, (a, b, c, d) = shape
    runs, out, end = [], [], 0
    for x in range(max(0, int(a)), min(GRID, int(c) + 2)):
        for y in range(max(0, int(b)), min(GRID, int(d) + 2)):
            if f(x, y):
                p = x * GRID + y
                if runs and runs[-1][0] + runs[-1][1] == p:
                    runs[-1][1] += 1
                else:
                    runs.append([p, 1])
    for p, n in runs:
        out += [p - end, n]
        end = p + n
    return " ".join(str(v) for v in out)


def paint(grey, shape, kind):
    f = shape[0]
    inside = lambda x, y: f(int((x + 0.5) * GRID / SIZE), int((y + 0.5) * GRID / SIZE))
    for y in range(SIZE):
        for x in range(SIZE):
            if not inside(x, y):
                continue
            edge = not all(inside(x + i, y + j) for i, j in ((1, 0), (-1, 0), (0, 1), (0, -1)))
            if kind == "ptx":
                v = 235 if edge else 6
            elif kind == "tube":
                v = 250
            else:
                v = 30 if abs(x - y + (y // 7)) % 5 == 0 else 245
            grey[y][x] = v


def picture(seed, findings):
    grey = [bytearray(r) for r in demo.grey_rows([], SIZE, SIZE, seed)]
    for shape, kind in findings:
        paint(grey, shape, kind)
    return [bytes(r) for r in grey]


def write_dcm(path, grey, sop, patient, sex, age, view):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    demo.write_dcm(path, grey, ["--patient", patient, "--sex", sex, "--age", age, "--view",
                                view, "--sop", sop])


def write_jpg(path, grey):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pgm = b"P5 %d %d 255\n" % (SIZE, SIZE) + b"".join(grey)
    with open(path, "wb") as f:
        subprocess.run(["cjpeg", "-quality", "90", "-grayscale"], input=pgm, stdout=f,
                       check=True)


RIGHT_PTX = crescent(300, 360, 190, 260, 40, 60)    # the patient's right: image left
LEFT_PTX = mirror(crescent(300, 420, 170, 240, 30, 70))
# a mask of two regions (a speck beside it): one row, so one box encloses both
SMALL_PTX = union(ellipse(210, 250, 60, 110), ellipse(320, 110, 8, 8))
TUBE = band(120, 860, 330, 300, 14)
RIB_A, RIB_B = ellipse(720, 430, 34, 22), ellipse(790, 590, 30, 20)

UID = "1.2.276.0.7230010.3.1.%d.8323329.%d.1517875%03d.%d"


def siim(out):
    # (image number, masks (one row each; None = -1), how -1 is written)
    images = [(101, [None], "-1"), (102, [RIGHT_PTX], ""), (103, [RIGHT_PTX, LEFT_PTX], ""),
              (104, [None], " -1"), (105, [SMALL_PTX], ""), (106, [None], "-1"),
              (107, [LEFT_PTX], ""), (108, [None], "-1")]
    rows = ["ImageId, EncodedPixels"]
    for n, masks, neg in images:
        sop = UID % (4, n * 37, n, 700000 + n * 113)
        study, series = UID % (2, n * 37, n, 300000 + n), UID % (3, n * 37, n, 500000 + n)
        for m in masks:
            rows.append("%s,%s" % (sop, rle(m) if m else neg))
        grey = picture(n, [(m, "ptx") for m in masks if m])
        write_dcm(os.path.join(out, "dicom-images-train", study, series, sop + ".dcm"), grey,
                  sop, "%08x-demo-siim-%d" % (n * 2654435761 % 2 ** 32, n),
                  "MF"[n % 2], str(30 + n % 40), "PA" if n % 3 else "AP")
    # the test images have no labels: the adapter does not read them
    sop = UID % (4, 9999, 109, 709999)
    write_dcm(os.path.join(out, "dicom-images-test", UID % (2, 9999, 109, 309999),
                           UID % (3, 9999, 109, 509999), sop + ".dcm"),
              picture(109, []), sop, "demo-siim-test", "F", "44", "PA")
    with open(os.path.join(out, "train-rle.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


def csv_field(s):
    return '"%s"' % s.replace('"', '""') if any(c in s for c in ',"\n') else s


def candid(out):
    sop = lambda n: "1.2.826.0.1.3680043.8.498.%d" % (10000 + n * 7919)
    study = lambda n: "1.2.826.0.1.3680043.8.498.9%d" % (n * 104729)
    # (n, study n, pneumothorax masks, tube masks, rib masks, report, format)
    images = [
        (1, 1, [RIGHT_PTX], [TUBE], [], "Right-sided pneumothorax, moderate in size. Right"
         " intercostal drain in situ, tip at the apex.", "dcm"),
        (2, 2, [None], [None], [], "No pneumothorax. The lungs are clear.", "jpg"),
        (3, 3, [None], [], [RIB_A, RIB_B], "Acute fractures of the left sixth and seventh"
         " ribs. No pneumothorax.", "dcm"),
        (4, 4, [None], [], [], "Heart size normal, lungs clear. No pneumothorax.", "dcm"),
        (5, 5, [RIGHT_PTX, LEFT_PTX], [], [], "Bilateral pneumothoraces, larger on the"
         " right. Urgent clinical review advised.", "dcm"),
        (6, 6, [None], [], [], "Old healed right rib fractures. No pneumothorax.", "dcm"),
        (7, 4, [None], [], [], "Heart size normal, lungs clear. No pneumothorax.", "dcm"),
        (8, 8, [None], [], [], "Nasogastric tube tip in the stomach. No pneumothorax.",
         "dcm"),
        (9, 9, [None], [], [], "Clear lungs. No pneumothorax, no effusion.", "dcm"),
        (10, 10, [None], [], [], "Mild cardiomegaly. No pneumothorax.", "dcm"),
        (11, 23, [None], [], [], "Lungs clear, no pleural abnormality.", "dcm"),
        (12, 24, [None], [], [], "Minor left basal atelectasis. No pneumothorax.", "dcm"),
    ]
    reports = ["SOPInstanceUID,EncodedPixels,Report,StudyInstanceUID"]
    tubes, ribs = ["anon_SOPUID,annotation_ref,mask_rle"], ["anon_SOPUID,annotation_ref,mask_rle"]
    for n, s, ptx, tube, rib, report, fmt in images:
        for m in ptx:
            reports.append("%s,%s,%s,%s" % (sop(n), rle(m) if m else "-1", csv_field(report),
                                            study(s)))
        for k, m in enumerate(tube):
            tubes.append("%s,%s,%s" % (sop(n), "tube_%d_%d" % (n, k), rle(m) if m else "-1"))
        for k, m in enumerate(rib):
            ribs.append("%s,%s,%s" % (sop(n), "rib_%d_%d" % (n, k), rle(m)))
        grey = picture(200 + n, [(m, "ptx") for m in ptx if m] + [(m, "tube") for m in tube
                                                                 if m] +
                       [(m, "rib") for m in rib])
        path = os.path.join(out, "dataset", sop(n) + "." + fmt)
        if fmt == "jpg":
            write_jpg(path, grey)
        else:
            write_dcm(path, grey, sop(n), "demo-candid-%d" % s, "MF"[n % 2], str(20 + n * 5),
                      "PA")
    for name, lines in ((
            "Pneumothorax_reports.csv", reports), ("chest_tube.csv", tubes),
            ("acute_rib_fracture.csv", ribs)):
        with open(os.path.join(out, name), "w") as f:
            f.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("siim", "candid"):
        sys.exit(__doc__)
    os.makedirs(sys.argv[2], exist_ok=True)
    (siim if sys.argv[1] == "siim" else candid)(sys.argv[2])


if __name__ == "__main__":
    main()
