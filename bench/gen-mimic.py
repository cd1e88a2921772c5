#!/usr/bin/env python3
"""gen-mimic.py - write a synthetic, full-scale MIMIC-CXR-JPG 2.0.0-shaped release.

For the `chexinstruct build` benchmark (bench/run.sh), not for tests. The output has the
shape of a real release merged with the MIMIC-CXR free-text reports:

    OUT/mimic-cxr-2.0.0-split.csv.gz      dicom_id,study_id,subject_id,split
    OUT/mimic-cxr-2.0.0-metadata.csv.gz   dicom_id,subject_id,study_id,... (12 columns)
    OUT/mimic-cxr-2.0.0-chexpert.csv.gz   subject_id,study_id + 14 labels (alphabetical)
    OUT/files/pXX/pSUBJECT/sSTUDY.txt     one report per study, or with --reports-zip:
    OUT/mimic-cxr-reports.zip             the same files/... members, as PhysioNet ships them

Counts default to the real release (65,379 patients, 227,835 studies, 377,110 images) and
scale with --scale. No image files are written: the benchmark runs the build with
--no-image-check. Everything here is invented (ids, dates, labels, report wording); only the
formats follow the real files. Output is deterministic for a given seed: one
random.Random(seed), gzip members with mtime=0, rows streamed patient by patient.
"""

import argparse
import gzip
import io
import json
import os
import sys
import time
import zipfile
from datetime import date, timedelta
from random import Random

LABELS = [
    "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum",
    "Fracture", "Lung Lesion", "Lung Opacity", "No Finding", "Pleural Effusion",
    "Pleural Other", "Pneumonia", "Pneumothorax", "Support Devices",
]

# Per label: probability of 1.0, 0.0, -1.0 (the rest is blank), roughly the real mix.
LABEL_P = {
    "Atelectasis": (0.20, 0.01, 0.05),
    "Cardiomegaly": (0.20, 0.07, 0.03),
    "Consolidation": (0.05, 0.09, 0.02),
    "Edema": (0.12, 0.11, 0.06),
    "Enlarged Cardiomediastinum": (0.03, 0.03, 0.04),
    "Fracture": (0.02, 0.004, 0.003),
    "Lung Lesion": (0.03, 0.003, 0.005),
    "Lung Opacity": (0.22, 0.02, 0.015),
    "Pleural Effusion": (0.24, 0.12, 0.025),
    "Pleural Other": (0.01, 0.0005, 0.004),
    "Pneumonia": (0.07, 0.11, 0.08),
    "Pneumothorax": (0.045, 0.18, 0.004),
    "Support Devices": (0.29, 0.004, 0.003),
}

# Exam kinds: (share, PerformedProcedureStepDescription, EXAMINATION text, TECHNIQUE text).
EXAMS = [
    (0.44, "CHEST (PA AND LAT)", "CHEST (PA AND LAT)", "Chest PA and lateral"),
    (0.46, "CHEST (PORTABLE AP)", "CHEST (PORTABLE AP)", "Portable AP chest radiograph"),
    (0.04, "CHEST (SINGLE VIEW)", "CHEST (SINGLE VIEW)", "Single frontal view of the chest"),
    (0.03, "CHEST PORT. LINE PLACEMENT", "CHEST PORT. LINE PLACEMENT",
     "Portable frontal chest radiograph"),
    (0.03, "", "CHEST RADIOGRAPH", "Frontal and lateral views of the chest"),
]

VIEW_CODE = {"PA": "postero-anterior", "AP": "antero-posterior", "LATERAL": "lateral",
             "LL": "left lateral", "": ""}
RARE_VIEWS = ["AP AXIAL", "AP LLD", "AP RLD", "PA RLD", "PA LLD", "LAO", "RAO", "LPO",
              "XTABLE LATERAL", "SWIMMERS"]
SIZES = [(3056, 2544), (2544, 3056), (3050, 2539), (2539, 3050), (2022, 2022), (2500, 2048),
         (2048, 2500), (2705, 3032), (3032, 2705)]

# Report wording (invented for the benchmark).
COMPLAINTS = [
    "shortness of breath", "cough and fever", "chest pain", "new oxygen requirement",
    "recent fall", "hypoxia", "altered mental status", "sepsis of unclear source",
    "pleural effusion", "congestive heart failure", "pneumonia", "hemoptysis",
    "post-operative day ___", "weakness", "tachycardia", "leukocytosis",
]
HISTORIES = [
    "History of ___ and ___.", "Known COPD on home oxygen.", "Status post CABG.",
    "Recent admission for ___.", "Metastatic ___ cancer, on chemotherapy.",
    "Intubated in the ___ for airway protection.", "Right IJ line placed today.",
]
QUESTIONS = [
    "eval for pneumonia", "eval for acute process", "?effusion", "assess line placement",
    "interval change?", "eval for pneumothorax", "r/o infiltrate", "assess for edema",
    "evaluate tube position", "eval for consolidation",
]
COMPARISONS = [
    "___", "___", "None.", "Chest radiograph from ___.", "Radiographs from ___ and ___.",
    "Prior study of ___ at ___.", "Portable chest radiograph dated ___.",
    "CT chest from ___ and chest radiograph from ___.",
]
# Sentences for a positive label, and negative sentences by the topic they speak of (a
# negative sentence is left out when its topic has a positive finding).
POS = {
    "Atelectasis": [
        "Patchy opacity at the left base likely reflects atelectasis.",
        "Bibasilar opacities are most suggestive of atelectasis.",
        "Linear densities in the right mid lung represent subsegmental atelectasis.",
    ],
    "Cardiomegaly": [
        "The heart is moderately enlarged.",
        "Cardiomegaly is unchanged from the prior exam.",
        "The cardiac silhouette is mildly enlarged, stable.",
    ],
    "Consolidation": [
        "A dense consolidation fills much of the right lower lobe.",
        "There is focal consolidation in the lingula.",
    ],
    "Edema": [
        "Mild pulmonary vascular congestion with interstitial edema.",
        "Perihilar haziness and vascular indistinctness suggest moderate edema.",
    ],
    "Enlarged Cardiomediastinum": [
        "The mediastinum appears widened compared to before.",
        "The cardiomediastinal contour is enlarged.",
    ],
    "Fracture": [
        "An old healed fracture of a left lateral rib is noted.",
        "There is a nondisplaced fracture of the right posterior sixth rib.",
    ],
    "Lung Lesion": [
        "A 1.5 cm nodule projects over the right upper lobe.",
        "A rounded mass is seen in the left perihilar region.",
    ],
    "Lung Opacity": [
        "Hazy opacity is present in the right lower lung.",
        "Ill-defined opacities are seen in both lower lobes.",
    ],
    "Pleural Effusion": [
        "A small left pleural effusion is present.",
        "Moderate bilateral pleural effusions are slightly larger.",
        "Blunting of the right costophrenic angle suggests a small effusion.",
    ],
    "Pleural Other": ["Apical pleural thickening is noted on the right."],
    "Pneumonia": [
        "The opacity in the right lower lobe could represent pneumonia.",
        "Findings are concerning for multifocal pneumonia.",
    ],
    "Pneumothorax": [
        "A small right apical pneumothorax is seen.",
        "There is a moderate left pneumothorax without shift.",
    ],
    "Support Devices": [
        "An endotracheal tube ends 4 cm above the carina.",
        "A right internal jugular line ends in the mid SVC.",
        "A nasogastric tube courses below the diaphragm, tip out of view.",
        "Sternal wires and mediastinal clips are in place.",
        "A left-sided pacemaker has leads in the right atrium and ventricle.",
    ],
}
TOPIC = {
    "Atelectasis": "lung", "Consolidation": "lung", "Lung Opacity": "lung",
    "Pneumonia": "lung", "Lung Lesion": "lung", "Edema": "edema",
    "Pleural Effusion": "pleura", "Pleural Other": "pleura", "Pneumothorax": "ptx",
    "Cardiomegaly": "heart", "Enlarged Cardiomediastinum": "heart", "Fracture": "bone",
}
NEG = [
    ("lung", "The lungs are clear without focal consolidation."),
    ("lung", "There is no focal airspace opacity to suggest pneumonia."),
    ("lung", "No pulmonary nodules or masses are identified."),
    ("pleura", "There is no pleural effusion."),
    ("pleura", "The costophrenic angles are sharp."),
    ("ptx", "No pneumothorax is seen."),
    ("ptx", "There is no evidence of pneumothorax on this upright view."),
    ("heart", "The cardiomediastinal silhouette is within normal limits."),
    ("heart", "Heart size is normal."),
    ("heart", "Hilar contours are unremarkable and the mediastinum is not widened."),
    ("edema", "There is no pulmonary edema."),
    ("edema", "The pulmonary vasculature is not engorged."),
    ("bone", "No acute osseous abnormality is detected."),
    ("bone", "Degenerative changes are seen along the thoracic spine."),
    ("", "The visualized upper abdomen is unremarkable."),
    ("", "The aorta is mildly tortuous and calcified."),
    ("", "Lung volumes are low, which crowds the bronchovascular markings."),
    ("", "Surgical clips project over the right upper quadrant."),
    ("", "The trachea is midline."),
    ("", "Overlying soft tissues are unremarkable apart from ECG leads."),
    ("lung", "Compared to the prior exam, the lungs remain well expanded and clear."),
    ("lung", "Mild biapical scarring is unchanged since the earlier radiographs."),
    ("pleura", "No pleural thickening or effusion is appreciated on either side."),
    ("heart", "The heart is top-normal in size, similar to the previous study."),
    ("edema", "No signs of fluid overload or vascular redistribution are present."),
    ("bone", "Old deformities of the left clavicle are stable in appearance."),
    ("", "Both hemidiaphragms are well defined and in normal position."),
    ("", "There is no free air beneath the diaphragm on this upright film."),
]
NORMAL_IMPRESSIONS = [
    "No acute cardiopulmonary process.", "No acute intrathoracic abnormality.",
    "No evidence of pneumonia.", "Normal chest radiograph.",
    "No significant interval change.",
]
RECOMMEND = [
    "Recommend follow-up chest radiograph in ___ weeks to document resolution.",
    "A CT of the chest could further characterize these findings if clinically desired.",
    "Clinical correlation is advised.",
]


def weighted(rng, table):
    """Index into table of (share, ...) rows."""
    r = rng.random()
    for i, row in enumerate(table):
        r -= row[0]
        if r < 0:
            return i
    return len(table) - 1


def wrap(sentences, prefix, width=79):
    """Greedy wrap: sentences joined by two spaces, continuation lines start with one space."""
    lines = []
    cur = prefix
    fresh = True
    for s in sentences:
        for wi, w in enumerate(s.split(" ")):
            sep = "" if fresh else ("  " if wi == 0 else " ")
            if not fresh and len(cur) + len(sep) + len(w) > width:
                lines.append(cur)
                cur = " " + w
            else:
                cur += sep + w
            fresh = False
    lines.append(cur)
    return lines


class Reports:
    """Writes one report per study; sections and lengths vary like the real ones."""

    ORDER = ("Support Devices", "Lung Opacity", "Atelectasis", "Consolidation", "Pneumonia",
             "Lung Lesion", "Edema", "Pleural Effusion", "Pleural Other", "Pneumothorax",
             "Cardiomegaly", "Enlarged Cardiomediastinum", "Fracture")

    def __init__(self, rng):
        self.rng = rng

    def findings(self, labels):
        """Returns (positive sentences, all findings sentences)."""
        rng = self.rng
        pos = [rng.choice(POS[x]) for x in self.ORDER if labels.get(x) == "1.0"]
        busy = {TOPIC.get(x) for x in self.ORDER if labels.get(x) == "1.0"}
        negs = [t for topic, t in NEG if topic not in busy]
        out = pos + rng.sample(negs, min(len(negs), rng.randint(7, 15)))
        if rng.random() < 0.15:
            out.append("Dr. ___ was informed of these findings by telephone at ___.")
        return pos, out

    def impression(self, pos):
        rng = self.rng
        if not pos:
            return [rng.choice(NORMAL_IMPRESSIONS)]
        out = pos[:rng.randint(1, 4)]
        if rng.random() < 0.2:
            out.append(rng.choice(RECOMMEND))
        return out

    def text(self, sex, exam, labels):
        rng = self.rng
        _, _, exam_text, technique = exam
        L = []
        style = rng.random()
        if style < 0.02:
            # An addendum comes first, cut off from the report by a line of underscores.
            L.append(" " * 32 + "FINAL ADDENDUM")
            L += wrap(["The prior study from ___ was reviewed.", "The impression is unchanged."],
                      " ADDENDUM:  ")
            L.append(" ")
            L.append(" " + "_" * 78)
            L.append(" ")
        elif style < 0.05:
            # A preliminary wet read, also above the final report.
            L.append(" WET READ: ___ ___ ___ 10:12 PM")
            L += wrap([rng.choice(NORMAL_IMPRESSIONS)], "  ")
            L.append(" " + "_" * 78)
        L.append(" " * 33 + "FINAL REPORT")
        pos, find = self.findings(labels)
        imp = self.impression(pos)
        if rng.random() < 0.02:
            # No headers at all: the official parser keeps it as "full report".
            L.append(" " + exam_text.replace("(", "").replace(")", "").lower())
            L.append(" ")
            L += wrap(find + imp, " ")
            return "\n".join(L) + "\n"
        L.append(" EXAMINATION:  " + exam_text)
        L.append(" ")
        age = "___" if rng.random() < 0.9 else str(rng.randint(20, 89))
        who = "woman" if sex == "F" else "man"
        ind = ["%s year old %s with %s  // %s" % (age, who, rng.choice(COMPLAINTS),
                                                  rng.choice(QUESTIONS))]
        if rng.random() < 0.5:
            ind.insert(0, rng.choice(HISTORIES))
        L += wrap(ind, " HISTORY:  " if rng.random() < 0.04 else " INDICATION:  ")
        L.append(" ")
        if rng.random() < 0.8:
            L += wrap([technique], " TECHNIQUE:  ")
            L.append(" ")
        L += wrap([rng.choice(COMPARISONS)], " COMPARISON:  ")
        L.append(" ")
        if rng.random() < 0.93:
            L.append(" FINDINGS: ")
            L.append(" ")
            # Long findings sometimes come as two paragraphs.
            if len(find) > 5 and rng.random() < 0.4:
                k = len(find) // 2
                L += wrap(find[:k], " ")
                L.append(" ")
                L += wrap(find[k:], " ")
            else:
                L += wrap(find, " ")
            L.append(" ")
        else:
            # No findings section: the impression says a little more.
            imp = imp + [s for s in find[:3] if s not in imp]
        r = rng.random()
        if r < 0.03:
            L += wrap(imp, " CONCLUSION:  ")
        elif r < 0.25:
            L += wrap(imp, " IMPRESSION:  ")
        elif r < 0.35 and len(imp) > 1:
            L.append(" IMPRESSION: ")
            L.append(" ")
            for i, s in enumerate(imp):
                L += wrap([s], " %d. " % (i + 1))
        else:
            L.append(" IMPRESSION: ")
            L.append(" ")
            L += wrap(imp, " ")
        if rng.random() < 0.04:
            L.append(" ")
            L += wrap(["Findings discussed with Dr. ___ by ___ via telephone on ___ at ___, "
                       "about ___ minutes after they were seen."], " NOTIFICATION:  ")
        return "\n".join(L) + "\n"


def label_row(rng):
    vals = {}
    nofind = rng.random() < 0.33
    for name in LABELS:
        if name == "No Finding":
            vals[name] = "1.0" if nofind else ""
            continue
        p1, p0, pu = LABEL_P[name]
        if nofind and name != "Support Devices":
            vals[name] = "0.0" if rng.random() < p0 else ""
            continue
        r = rng.random()
        vals[name] = "1.0" if r < p1 else "0.0" if r < p1 + p0 else \
            "-1.0" if r < p1 + p0 + pu else ""
    return vals


def spread(rng, n_items, n_bins, weights=None):
    """Counts per bin: at least one each, the rest drawn (with weights, if any)."""
    counts = [1] * n_bins
    extra = n_items - n_bins
    if extra > 0:
        if weights is None:
            for _ in range(extra):
                counts[rng.randrange(n_bins)] += 1
        else:
            for i in rng.choices(range(n_bins), weights=weights, k=extra):
                counts[i] += 1
    return counts


def study_time(rng):
    t = rng.randrange(0, 24) * 10000 + rng.randrange(0, 60) * 100 + rng.randrange(0, 60)
    return repr(round(t + rng.randrange(0, 1000) / 1000, 3))


def views_for(rng, exam_i, n):
    first = "PA" if exam_i in (0, 4) else "AP"
    out = []
    for i in range(n):
        if i == 0:
            v = first
        elif i == 1:
            v = "LATERAL" if rng.random() < 0.7 else "LL"
        else:
            v = rng.choice(["AP", "PA", "LATERAL", "LL"])
        r = rng.random()
        if r < 0.04:
            v = ""
        elif r < 0.041:
            v = rng.choice(RARE_VIEWS)
        out.append(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="release folder to write (created)")
    ap.add_argument("--patients", type=int, default=65379)
    ap.add_argument("--studies", type=int, default=227835)
    ap.add_argument("--images", type=int, default=377110)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the three counts")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--summary", help="also write the counts as JSON to this file")
    ap.add_argument("--reports-zip", action="store_true",
                    help="write the reports into mimic-cxr-reports.zip, not files/")
    a = ap.parse_args()
    t0 = time.time()
    rng = Random(a.seed)
    P = max(1, round(a.patients * a.scale))
    S = max(P, round(a.studies * a.scale))
    I = max(S, round(a.images * a.scale))

    subjects = sorted(rng.sample(range(10_000_000, 20_000_000), P))
    study_ids = rng.sample(range(50_000_000, 60_000_000), S)
    # Heavy-tailed studies per patient (a few patients have dozens), capped.
    pw = [min(rng.paretovariate(1.2), 60.0) for _ in range(P)]
    per_patient = spread(rng, S, P, pw)
    per_study = spread(rng, I, S)
    missing_label = 8 / 227835  # studies the CheXpert labeler left out

    os.makedirs(a.out, exist_ok=True)
    zf = None
    if a.reports_zip:
        zf = zipfile.ZipFile(os.path.join(a.out, "mimic-cxr-reports.zip"), "w",
                             zipfile.ZIP_DEFLATED, compresslevel=6)

    def gz(name):
        raw = gzip.GzipFile(os.path.join(a.out, name), "wb", compresslevel=6, mtime=0)
        return io.TextIOWrapper(raw, encoding="ascii", newline="")

    fs = gz("mimic-cxr-2.0.0-split.csv.gz")
    fm = gz("mimic-cxr-2.0.0-metadata.csv.gz")
    fc = gz("mimic-cxr-2.0.0-chexpert.csv.gz")
    fs.write("dicom_id,study_id,subject_id,split\n")
    fm.write("dicom_id,subject_id,study_id,PerformedProcedureStepDescription,ViewPosition,"
             "Rows,Columns,StudyDate,StudyTime,ProcedureCodeSequence_CodeMeaning,"
             "ViewCodeSequence_CodeMeaning,PatientOrientationCodeSequence_CodeMeaning\n")
    fc.write("subject_id,study_id," + ",".join(LABELS) + "\n")

    rep = Reports(rng)
    n = {"patients": P, "studies": S, "images": 0, "chexpert_rows": 0, "reports": 0,
         "report_bytes": 0, "train": 0, "validate": 0, "test": 0}
    si = 0
    for pi, subj in enumerate(subjects):
        r = rng.random()
        split = "train" if r < 0.978 else "validate" if r < 0.986 else "test"
        sex = "F" if rng.random() < 0.52 else "M"
        k = per_patient[pi]
        mine = sorted(study_ids[si:si + k])
        counts = per_study[si:si + k]
        si += k
        # Shifted dates (2105-2205), in an order unrelated to the study ids.
        d = date(2105, 1, 1) + timedelta(days=rng.randrange(0, 100 * 365))
        dates = []
        for _ in mine:
            dates.append(d.strftime("%Y%m%d"))
            d += timedelta(days=rng.choice((0, 1, 1, 2, 5, 30, 90, 400)))
        rng.shuffle(dates)
        pdir = "files/p%d/p%d" % (subj // 1_000_000, subj)
        if not zf:
            os.makedirs(os.path.join(a.out, pdir), exist_ok=True)
        lm, ls, lc = [], [], []
        for j, study in enumerate(mine):
            ex_i = weighted(rng, EXAMS)
            ex = EXAMS[ex_i]
            dicoms = sorted("-".join("%08x" % rng.getrandbits(32) for _ in range(5))
                            for _ in range(counts[j]))
            views = views_for(rng, ex_i, counts[j])
            stime = study_time(rng)
            # Portable films are often taken lying down.
            orient = "Recumbent" if ex_i not in (0, 4) and rng.random() < 0.6 else "Erect"
            for dcm, v in zip(dicoms, views):
                rows, cols = rng.choice(SIZES)
                o = "" if rng.random() < 0.03 else orient
                lm.append("%s,%d,%d,%s,%s,%d,%d,%s,%s,%s,%s,%s\n" % (
                    dcm, subj, study, ex[1], v, rows, cols, dates[j], stime, ex[1],
                    VIEW_CODE.get(v, v.lower()), o))
                ls.append("%s,%d,%d,%s\n" % (dcm, study, subj, split))
            n["images"] += len(dicoms)
            n[split] += len(dicoms)
            labels = label_row(rng)
            if rng.random() >= missing_label:
                lc.append("%d,%d,%s\n" % (subj, study, ",".join(labels[x] for x in LABELS)))
                n["chexpert_rows"] += 1
            text = rep.text(sex, ex, labels)
            name = "%s/s%d.txt" % (pdir, study)
            if zf:
                # A fixed member date keeps the archive byte-for-byte reproducible.
                zi = zipfile.ZipInfo(name, date_time=(2019, 9, 19, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(zi, text)
            else:
                with open(os.path.join(a.out, name), "w", encoding="ascii") as f:
                    f.write(text)
            n["reports"] += 1
            n["report_bytes"] += len(text)
        fm.write("".join(lm))
        fs.write("".join(ls))
        fc.write("".join(lc))
    for f in (fs, fm, fc):
        f.close()
    if zf:
        zf.close()
    n["seconds"] = round(time.time() - t0, 1)
    if a.summary:
        with open(a.summary, "w") as f:
            json.dump(n, f, indent=1)
            f.write("\n")
    print("gen-mimic: %d patients, %d studies, %d images (train %d, validate %d, test %d), "
          "%d chexpert rows, %d reports (%.1f MB, %.0f B avg) in %s, %.1f s" % (
              P, S, n["images"], n["train"], n["validate"], n["test"], n["chexpert_rows"],
              n["reports"], n["report_bytes"] / 1e6, n["report_bytes"] / max(1, n["reports"]),
              a.out, n["seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
