#!/usr/bin/env python3
"""gen-nih.py - write a synthetic, full-scale NIH ChestX-ray14-shaped release.

For the `chexinstruct build` benchmark (bench/run.sh), not for tests. Files, as released:

    OUT/Data_Entry_2017_v2020.csv   112,120 rows; the header's bracketed names hold commas
    OUT/BBox_List_2017.csv          ~984 boxes on ~880 test images; 9-token header, 6-field rows
    OUT/train_val_list.txt          ~86.5k image names, one a line (patient-disjoint from test)
    OUT/test_list.txt               ~25.6k image names

No images are written: the benchmark runs the build with --no-image-check. Patients, ages,
labels and boxes are invented; only the formats follow the real files. Deterministic for a
given seed (one random.Random(seed)); rows are streamed as they are made.
"""

import argparse
import json
import os
import sys
import time
from random import Random

# Real label frequencies (images carrying each finding), used as weights.
FINDINGS = {
    "Atelectasis": 11559, "Cardiomegaly": 2776, "Consolidation": 4667, "Edema": 2303,
    "Effusion": 13317, "Emphysema": 2516, "Fibrosis": 1686, "Hernia": 227,
    "Infiltration": 19894, "Mass": 5782, "Nodule": 6331, "Pleural_Thickening": 3385,
    "Pneumonia": 1431, "Pneumothorax": 5302,
}
# Box classes and their real row counts; the box file says Infiltrate, not Infiltration.
BOX_CLASSES = {
    "Atelectasis": 180, "Cardiomegaly": 146, "Effusion": 153, "Infiltrate": 123, "Mass": 85,
    "Nodule": 79, "Pneumonia": 120, "Pneumothorax": 98,
}
BOX_IMAGES = 880
# (width, height, pixel spacing as written in the v2020 file, float noise included)
SHAPES = [
    (2500, 2048, "0.168"), (2048, 2500, "0.168"), (2500, 2048, "0.171"),
    (2992, 2991, "0.14300000000000002"), (2021, 2021, "0.194311"),
    (3056, 2544, "0.139"), (2544, 3056, "0.139"),
]
HEADER = ("Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,"
          "View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]\n")


def labels_for(rng, names, weights):
    if rng.random() < 0.538:
        return "No Finding"
    r = rng.random()
    k = 1 if r < 0.55 else 2 if r < 0.82 else 3 if r < 0.94 else 4
    got = set()
    while len(got) < k:
        got.add(rng.choices(names, weights=weights)[0])
    return "|".join(sorted(got))


def shape(rng):
    if rng.random() < 0.4:
        return rng.choice(SHAPES)
    # Free sizes carry the noisy 0.143 spacing, as many real rows do.
    return (rng.randrange(2000, 3057), rng.randrange(2000, 3057), "0.14300000000000002")


def box(rng, cls):
    if cls == "Cardiomegaly":
        w, h = rng.uniform(380, 560), rng.uniform(200, 330)
    else:
        w, h = rng.uniform(30, 420), rng.uniform(30, 460)
    x, y = rng.uniform(40, 1024 - w - 10), rng.uniform(60, 1024 - h - 10)
    return ",".join("%.15g" % v for v in (x, y, w, h))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="release folder to write (created)")
    ap.add_argument("--images", type=int, default=112120)
    ap.add_argument("--patients", type=int, default=30805)
    ap.add_argument("--test-images", type=int, default=25596)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the counts")
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--summary", help="also write the counts as JSON to this file")
    a = ap.parse_args()
    t0 = time.time()
    rng = Random(a.seed)
    P = max(1, round(a.patients * a.scale))
    I = max(P, round(a.images * a.scale))
    T = round(a.test_images * a.scale)

    # Images per patient: heavy-tailed (some patients have well over a hundred).
    per = [1] * P
    w = [min(rng.paretovariate(1.1), 200.0) for _ in range(P)]
    for i in rng.choices(range(P), weights=w, k=I - P):
        per[i] += 1
    order = list(range(P))
    rng.shuffle(order)
    test = set()
    n_test = 0
    for i in order:
        if n_test >= T:
            break
        test.add(i)
        n_test += per[i]

    os.makedirs(a.out, exist_ok=True)
    names, weights = list(FINDINGS), list(FINDINGS.values())
    train_names, test_names = [], []
    by_finding = {}  # test images per finding, for the boxes
    n_rows = 0
    with open(os.path.join(a.out, "Data_Entry_2017_v2020.csv"), "w", newline="") as f:
        f.write(HEADER)
        for pi in range(P):
            pid = pi + 1
            first = 1 if rng.random() < 0.03 else 0
            age = max(1, min(95, int(rng.gauss(47, 17))))
            sex = "M" if rng.random() < 0.565 else "F"
            ap_share = 0.3 if per[pi] < 10 else 0.6
            rows = []
            for fu in range(first, first + per[pi]):
                name = "%08d_%03d.png" % (pid, fu)
                lab = labels_for(rng, names, weights)
                wd, ht, sp = shape(rng)
                view = "AP" if rng.random() < ap_share else "PA"
                rows.append("%s,%s,%d,%d,%d,%s,%s,%d,%d,%s,%s\n" % (
                    name, lab, fu, pid, age, sex, view, wd, ht, sp, sp))
                if pi in test:
                    test_names.append(name)
                    for x in lab.split("|"):
                        by_finding.setdefault(x, []).append(name)
                else:
                    train_names.append(name)
                if rng.random() < (0.3 if per[pi] < 10 else 0.04) and age < 95:
                    age += 1
            f.write("".join(rows))
            n_rows += len(rows)

    for fname, lst in (("train_val_list.txt", train_names), ("test_list.txt", test_names)):
        with open(os.path.join(a.out, fname), "w", newline="") as f:
            f.write("".join(x + "\n" for x in sorted(lst)))

    # Boxes: each class gets its share of images (unused ones first), then a few images
    # get a second box of the same class, until the class has its real row count.
    total = sum(BOX_CLASSES.values())
    used = set()
    n_box = 0
    with open(os.path.join(a.out, "BBox_List_2017.csv"), "w", newline="") as f:
        f.write("Image Index,Finding Label,Bbox [x,y,w,h],,,\n")
        for cls, count in BOX_CLASSES.items():
            rows_wanted = round(count * a.scale)
            imgs_wanted = round(rows_wanted * BOX_IMAGES / total)
            cands = by_finding.get("Infiltration" if cls == "Infiltrate" else cls, [])
            fresh = [x for x in cands if x not in used]
            pick = rng.sample(fresh, min(imgs_wanted, len(fresh)))
            if not pick:
                continue
            used.update(pick)
            extra = [rng.choice(pick) for _ in range(rows_wanted - len(pick))]
            for name in pick + extra:
                f.write("%s,%s,%s\n" % (name, cls, box(rng, cls)))
                n_box += 1

    n = {"patients": P, "images": n_rows, "train_val": len(train_names),
         "test": len(test_names), "boxes": n_box, "box_images": len(used),
         "seconds": round(time.time() - t0, 1)}
    if a.summary:
        with open(a.summary, "w") as f:
            json.dump(n, f, indent=1)
            f.write("\n")
    print("gen-nih: %d patients, %d images (train_val %d, test %d), %d boxes on %d images "
          "in %s, %.1f s" % (P, n_rows, n["train_val"], n["test"], n_box, len(used), a.out,
                             n["seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
