#!/usr/bin/env python3
"""gen-padchest.py - write a synthetic, full-scale PadChest-shaped release.

For the `chexinstruct build` benchmark (bench/README.md), not for tests. One file, as
released:

    OUT/PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv   (or .csv.gz with --gzip)

160,868 rows (images) of 109,931 studies of 67,625 patients at --scale 1: the real header
(an unnamed index column, then 35 names), pandas' quoting, the DICOM columns with `None`
and `nan`, a pre-processed Spanish-looking report of 1 to 12 sentences (invented words),
and the five list cells: Labels (1 to 8 labels of the PadChest vocabulary, read from
builder/vocab/padchest.c, weighted 1/rank; some with a leading space, some report-level, now and then `[]` or `nan`), Localizations, the lists by
sentence, and the two CUI columns as numpy arrays wrapped over lines. No images are
written: the benchmark runs the build with --no-image-check. Deterministic for a given
seed (one random.Random(seed)); rows are streamed as they are made.
"""

import argparse
import csv
import gzip
import io
import os
import re
import sys
from random import Random

HEADER = ['', 'ImageID', 'ImageDir', 'StudyDate_DICOM', 'StudyID', 'PatientID', 'PatientBirth',
          'PatientSex_DICOM', 'ViewPosition_DICOM', 'Projection', 'MethodProjection',
          'Pediatric', 'Modality_DICOM', 'Manufacturer_DICOM',
          'PhotometricInterpretation_DICOM', 'PixelRepresentation_DICOM',
          'PixelAspectRatio_DICOM', 'SpatialResolution_DICOM', 'BitsStored_DICOM',
          'WindowCenter_DICOM', 'WindowWidth_DICOM', 'Rows_DICOM', 'Columns_DICOM',
          'XRayTubeCurrent_DICOM', 'Exposure_DICOM', 'ExposureInuAs_DICOM', 'ExposureTime',
          'RelativeXRayExposure_DICOM', 'ReportID', 'Report', 'MethodLabel', 'Labels',
          'Localizations', 'LabelsLocalizationsBySentence', 'labelCUIS', 'LocalizationsCUIS']

# The vocabulary's labels (builder/vocab/padchest.c), weighted 1/rank so that every label
# is positive somewhere while a few are common, as in the real release; "normal" first.
VOCAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'builder', 'vocab',
                     'padchest.c')
LABELS = re.findall(r'^\t\{"([^"]+)",', open(VOCAB).read(), re.M)
WEIGHTS = [1.0 / (rank + 1) for rank in range(len(LABELS))]
REPORT_LEVEL = ['unchanged', 'exclude', 'suboptimal study']
LOCS = ['loc left', 'loc right', 'loc basal', 'loc  cardiac', 'loc apical', 'loc bilateral',
        'loc hilar', 'loc upper lobe', 'loc lower lobe', 'loc costophrenic angle']
PROJECTIONS = ['PA'] * 10 + ['L'] * 7 + ['AP'] * 2 + ['AP_horizontal', 'COSTAL', 'UNK']
WORDS = ('se observ aument indic cardiotoracic infiltr alveolar lobul inferior izquierd derech '
         'compat con neumon sin cambi respect estudi previ derram pleural bilateral pequen '
         'cuantia sign epoc aire libr calcif granulom hili engros cisur elong aortic '
         'degener vertebral cifosis escoliosis marcapas cateter yugular nodul pulmonar').split()


def digits(rng, n):
    return str(rng.randrange(10 ** (n - 1), 10 ** n))


def cui(rng):
    return 'C%07d' % rng.randrange(10 ** 7)


def numpy_cell(items):
    """numpy's repr of a string array: blank-separated, wrapped at about 75 columns."""
    out, line = [], '['
    for i, s in enumerate(items):
        piece = "'%s'" % s
        if len(line) + len(piece) > 75 and line != '[':
            out.append(line)
            line = ' '
        line += piece + (' ' if i + 1 < len(items) else '')
    return '\n'.join(out + [line + ']'])


def py_list(items):
    return '[' + ', '.join("'%s'" % s for s in items) + ']'


def study_cells(rng):
    """Report, MethodLabel and the five list cells of one study."""
    n = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 8])
    labels = []
    for lab in rng.choices(LABELS, WEIGHTS, k=n):
        if lab not in labels and not (lab == 'normal' and labels):
            labels.append(lab)
    if rng.random() < 0.05:
        labels.append(rng.choice(REPORT_LEVEL))
    sentences = [[lab] + rng.sample(LOCS, rng.randrange(0, 3)) for lab in labels]
    report = ' . '.join(' '.join(rng.choice(WORDS) for _ in range(rng.randrange(4, 16)))
                        for _ in range(rng.randrange(1, 13))) + ' .'
    shown = [(' ' + l if rng.random() < 0.03 else l) for l in labels]
    locs = sorted({loc for s in sentences for loc in s[1:]})
    labels_cell = py_list(shown)
    if rng.random() < 0.002:
        labels_cell = rng.choice(['[]', 'nan'])
    by_sentence = '[' + ', '.join(py_list(s) for s in sentences) + ']'
    method = 'Physician' if rng.random() < 0.27 else 'RNN_model'
    return [report, method, labels_cell, py_list(locs), by_sentence,
            numpy_cell([cui(rng) for _ in labels]), numpy_cell([cui(rng) for _ in locs])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--scale', type=float, default=1.0)
    ap.add_argument('--seed', type=int, default=12)
    ap.add_argument('--gzip', action='store_true', help='write the .csv.gz form')
    a = ap.parse_args()
    images = int(round(160868 * a.scale))
    studies = max(1, int(round(109931 * a.scale)))
    patients = max(1, int(round(67625 * a.scale)))
    rng = Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    name = os.path.join(a.out, 'PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv')
    raw = gzip.GzipFile(name + '.gz', 'wb', mtime=0) if a.gzip else open(name, 'wb')
    f = io.TextIOWrapper(raw, encoding='utf-8', newline='')
    w = csv.writer(f, lineterminator='\n')
    w.writerow(HEADER)
    patient_ids = [digits(rng, 38) for _ in range(patients)]
    row = 0
    for s in range(studies):
        # every study has one image, the first `images - studies` have two
        n = 1 + (s < images - studies)
        study = digits(rng, 38)
        patient = patient_ids[s % patients]
        birth = rng.choice(['%d.0' % rng.randrange(1910, 2015)] * 20 + ['nan', 'None'])
        sex = rng.choice(['M', 'F'] * 20 + ['O', 'None'])
        date = '%d%02d%02d' % (rng.randrange(2009, 2018), rng.randrange(1, 13),
                               rng.randrange(1, 29))
        cells = study_cells(rng)
        for _ in range(n):
            image = '%s_%s.png' % (study, ''.join(rng.choice('abcdefghijklmnopqrstuvwxyz0123456789')
                                                  for _ in range(6)))
            proj = rng.choice(PROJECTIONS)
            w.writerow([row, image, row // 3000, date, study, patient, birth, sex,
                        rng.choice(['nan', 'POSTEROANTERIOR', 'LATERAL', 'PA', 'LL', 'AP']),
                        proj, 'Manual review of DICOM fields', 'No', rng.choice(['CR', 'DX']),
                        'PhilipsMedicalSystems', 'MONOCHROME2', '0',
                        rng.choice(["['1', '1']", 'None']), rng.choice(['0.2', '0.148']), '12',
                        '2047.0', '4095.0', rng.randrange(1700, 3000), rng.randrange(1700, 3000),
                        'None', rng.choice(['None', '2']), 'None', 'None', rng.randrange(100, 2000),
                        4000000 + s, cells[0], cells[1], cells[2], cells[3], cells[4], cells[5],
                        cells[6]])
            row += 1
    f.close()
    print('%s: %d rows, %d studies, %d patients' % (name + ('.gz' if a.gzip else ''), row,
                                                    studies, patients), file=sys.stderr)


if __name__ == '__main__':
    main()
