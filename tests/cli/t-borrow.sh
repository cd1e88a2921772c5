#!/usr/bin/env bash
# t-borrow.sh - sources that borrow MIMIC-CXR's images (CXR-LT, MS-CXR-T):
# built with MIMIC-CXR they copy its image rows and read its files; without
# it they are refused; an image MIMIC-CXR lacks is a reject naming it; every
# image keeps MIMIC-CXR's split, so a MIMIC-CXR val/test study never reaches
# train through a borrower (the official build put all CXR-LT studies in
# train); the temporal tasks show the prior first, shard as two-image
# records, and audit passes. Prints TAP. Run from the repository root with
# the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
q() { sqlite3 "$1" "$2"; }
db="$tmp/b.db"
three=mimic-cxr,cxr-lt,ms-cxr-t

# --- built with MIMIC-CXR --------------------------------------------------------
"$cx" --catalogue "$db" build --sources sources/ --only "$three" --strict >"$tmp/build.out" 2>&1
check "MIMIC-CXR, CXR-LT and MS-CXR-T build with no reject (--strict)" test $? -eq 0
check "every row of both borrowers kept" test "$(q "$db" "SELECT group_concat(source || ' '
  || rows_read || ' ' || rows_kept, ', ') FROM (SELECT * FROM dataset WHERE source <> 'mimic-cxr'
  ORDER BY source)")" = "cxr-lt 9 9, ms-cxr-t 8 8"
# A borrowed image is a copy of MIMIC-CXR's row: same file, size, view, study key and split.
check "borrowed image rows are copies of MIMIC-CXR's (file, size, view, study, split)" test \
  "$(q "$db" "SELECT count(*) FROM image b JOIN dataset db ON db.id = b.dataset_id
  JOIN image m ON m.key = b.key JOIN dataset dm ON dm.id = m.dataset_id AND dm.source = 'mimic-cxr'
  JOIN study sb ON sb.id = b.study_id JOIN study sm ON sm.id = m.study_id
  WHERE db.source IN ('cxr-lt', 'ms-cxr-t') AND b.path = m.path AND b.archive = m.archive
  AND b.width = m.width AND b.height = m.height AND b.bit_depth = m.bit_depth
  AND b.view IS m.view AND sb.key = sm.key AND b.split = m.split AND sb.split = sm.split")" = \
  "$(q "$db" "SELECT count(*) FROM image i JOIN dataset d ON d.id = i.dataset_id
  WHERE d.source IN ('cxr-lt', 'ms-cxr-t')")"
check "8 CXR-LT and 4 MS-CXR-T images borrowed" test "$(q "$db" "SELECT group_concat(n, ' ')
  FROM (SELECT count(*) AS n FROM image i JOIN dataset d ON d.id = i.dataset_id
  WHERE d.source IN ('cxr-lt', 'ms-cxr-t') GROUP BY d.source ORDER BY d.source)")" = "8 4"
check "their dataset rows name MIMIC-CXR as the holder of their image files" \
  test "$(q "$db" "SELECT group_concat(source || '>' || image_source || '/' || id_space, ' ')
  FROM (SELECT * FROM dataset ORDER BY source)")" = \
  "cxr-lt>mimic-cxr/mimic-cxr mimic-cxr>mimic-cxr/mimic-cxr ms-cxr-t>mimic-cxr/mimic-cxr"

# --- the official build's leak, closed ---------------------------------------------
# 2e5a9c17 is in CXR-LT 2023's train.csv; MIMIC-CXR puts its study 55208661 in test.
check "a CXR-LT train.csv image of a MIMIC-CXR test study is a test instance" \
  test "$(q "$db" "SELECT n.split FROM instance n JOIN entry e ON e.id = n.entry_id
  JOIN dataset d ON d.id = e.dataset_id WHERE d.source = 'cxr-lt'
  AND n.key = '2e5a9c17-d8b30f64-71c4e2a9-b06f5d83-4a19e7c2'")" = test
check "every borrower instance has the split of its MIMIC-CXR studies (strictest)" test \
  "$(q "$db" "SELECT count(*) FROM instance n JOIN entry e ON e.id = n.entry_id
  JOIN dataset d ON d.id = e.dataset_id JOIN instance_image x ON x.instance_id = n.id
  JOIN image b ON b.id = x.image_id JOIN image m ON m.key = b.key
  JOIN dataset dm ON dm.id = m.dataset_id AND dm.source = 'mimic-cxr'
  WHERE d.source IN ('cxr-lt', 'ms-cxr-t') AND instr('-train-val-test', n.split)
  < instr('-train-val-test', m.split)")" = 0
check "CXR-LT instances per split (train/val/test): 3/2/3" test "$(q "$db" "SELECT
  group_concat(n, '/') FROM (SELECT count(*) AS n FROM instance i JOIN entry e ON
  e.id = i.entry_id JOIN dataset d ON d.id = e.dataset_id WHERE d.source = 'cxr-lt'
  GROUP BY i.split ORDER BY instr('-train-val-test', i.split))")" = 3/2/3
for s in train val test; do
  "$cx" --catalogue "$db" shard --out "$tmp/$s" --split "$s" >/dev/null 2>"$tmp/shard-$s.err"
  check "shard --split $s" test $? -eq 0
done
check "train shards written" test -s "$tmp/train/manifest.json"
python3 - "$tmp" >"$tmp/studies.txt" <<'PY'
import json, sys, glob, os
sys.path.insert(0, "shards")
from chexinstruct_shards import NativeShard
for split in ("train", "val", "test"):
    for f in sorted(glob.glob(os.path.join(sys.argv[1], split, "*.cxs"))):
        with NativeShard(f) as sh:
            for i in range(len(sh)):
                r = sh.read(i)
                m = r["meta"]
                print(split, m["dataset"], m["task"], m["study"], len(r["images"]))
PY
check "no train record of a MIMIC-CXR test or val study, from any source" \
  test "$(grep -c '^train .* mimic-cxr:\(55208661\|58874102\|51937405\) ' "$tmp/studies.txt")" = 0
check "the test shards hold CXR-LT and MS-CXR-T records of MIMIC test studies" \
  test "$(grep -c '^test \(CXR-LT\|MS-CXR-T\) .* mimic-cxr:\(55208661\|58874102\) ' \
  "$tmp/studies.txt")" -ge 4
check "temporal image classification records carry two images" \
  test "$(grep '^test MS-CXR-T temporal-image-classification' "$tmp/studies.txt" | \
  awk '$NF != 2' | wc -l)" = 0

# --- the temporal tasks ---------------------------------------------------------------
"$cx" --catalogue "$db" sample --task temporal >"$tmp/sample.txt" 2>&1
check "sample --task temporal prints both temporal tasks" test \
  "$(grep -o '^== \[Temporal \(Image Classification\|Sentence Similarity\)\] \[MS-CXR-T\]' \
  "$tmp/sample.txt" | sort -u | wc -l)" = 2
"$cx" --catalogue "$db" sample --task temporal-image --split test -n 1 >"$tmp/pair.txt" 2>&1
check "a temporal image pair shows the prior (study 55208661), then the current image" \
  test "$(sed -n 's|^image: *sources/mimic-cxr/files/p10/p10026194/\(s[0-9]*\)/.*|\1|p' \
  "$tmp/pair.txt" | tr '\n' ' ')" = "s55208661 s58874102 "
"$cx" --catalogue "$db" audit --json >"$tmp/audit.json" 2>&1
check "audit passes on MIMIC-CXR, CXR-LT and MS-CXR-T" test $? -eq 0
check "audit covers the CXR-LT and both MS-CXR-T entries" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
s = json.dumps(a)
for e in ("[Image Classification] [CXR-LT]", "[Temporal Image Classification] [MS-CXR-T]",
          "[Temporal Sentence Similarity] [MS-CXR-T]"):
    assert e in s, e' "$tmp/audit.json"

# --- dedup compares MIMIC-CXR's images once, not their borrowed copies ----------------
"$cx" --catalogue "$tmp/h.db" build --sources sources/ --only "$three" --hash-images >/dev/null 2>&1
"$cx" --catalogue "$tmp/h.db" dedup >"$tmp/dedup.txt" 2>&1
check "dedup: MIMIC-CXR's 10 images, no borrowed copy counted or paired" test \
  "$(head -1 "$tmp/dedup.txt")|$(grep -c 'CXR-LT\|MS-CXR-T' "$tmp/dedup.txt")" = \
  "images with hashes: 10|0"

# --- rebuilding MIMIC-CXR leaves the borrowers' rows whole ----------------------------
"$cx" --catalogue "$db" build --sources sources/ --only mimic-cxr >/dev/null 2>&1
"$cx" --catalogue "$db" sample --task temporal-image -n 1 --dataset ms-cxr-t >"$tmp/s2.txt" 2>&1
check "after MIMIC-CXR is rebuilt, the borrowed images still resolve to its files" \
  test "$(grep -c '^image: *sources/mimic-cxr/files/' "$tmp/s2.txt")" = 2

# --- MIMIC-CXR as one archive: a member read once serves its borrowed copies too -------
mkdir -p "$tmp/z"
cp -r sources/cxr-lt sources/ms-cxr-t "$tmp/z/"
(cd sources && zip -qr -X "$tmp/z/mimic-cxr.zip" mimic-cxr)
"$cx" --catalogue "$tmp/z.db" build --sources "$tmp/z" --only "$three" >/dev/null 2>&1
"$cx" --catalogue "$tmp/z.db" shard --out "$tmp/z-test" --split test >/dev/null 2>&1
check "MIMIC-CXR zipped: every test record of the borrowers keeps its images" test \
  "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["total"])' \
  "$tmp/z-test/leakage.json")" = 0

# --- without MIMIC-CXR ---------------------------------------------------------------
"$cx" --catalogue "$tmp/alone.db" build --sources sources/ --only cxr-lt >"$tmp/alone.out" 2>&1
check "CXR-LT alone: exit 1" test $? -eq 1
check "CXR-LT alone: one line saying MIMIC-CXR is required" grep -qx \
  "chexinstruct: error: cxr-lt not built: it requires mimic-cxr, and it is neither built in this run nor in the catalogue" \
  "$tmp/alone.out"

# --- an image MIMIC-CXR does not have --------------------------------------------------
mkdir -p "$tmp/bad"
cp -r sources/mimic-cxr sources/cxr-lt sources/ms-cxr-t "$tmp/bad/"
t23="$tmp/bad/cxr-lt/cxr-lt-2023/train.csv"
sed -n 2p "$t23" | sed 's/^3f1c2a9e-7b04d6f1-a2e85c30-91d7b4e6-0c5f8a21/00000000-no-such-dicom/' >>"$t23"
sed -n 2p "$t23" | sed 's/,50128830,/,53640217,/' >>"$t23"
p="$tmp/bad/ms-cxr-t/MS_CXR_T_temporal_image_classification_v1.0.0.csv"
sed -n 2p "$p" | sed 's|3f1c2a9e-7b04d6f1-a2e85c30-91d7b4e6-0c5f8a21|00000000-no-prior|' >>"$p"
"$cx" --catalogue "$tmp/bad.db" build --sources "$tmp/bad" >/dev/null 2>&1
check "the broken copies build" test $? -eq 0
check "rejects name the dicom id MIMIC-CXR lacks and the study that is not MIMIC-CXR's" test \
  "$(q "$tmp/bad.db" "SELECT group_concat(d.source || ' ' || r.file || ':' || r.line || ' '
  || r.reason, '|') FROM (SELECT * FROM reject ORDER BY dataset_id, file, line) r
  JOIN dataset d ON d.id = r.dataset_id")" = \
  "cxr-lt cxr-lt-2023/train.csv:5 image '00000000-no-such-dicom' is not in mimic-cxr|cxr-lt cxr-lt-2023/train.csv:6 image '3f1c2a9e-7b04d6f1-a2e85c30-91d7b4e6-0c5f8a21' is in study '50128830' in mimic-cxr, not '53640217'|ms-cxr-t MS_CXR_T_temporal_image_classification_v1.0.0.csv:4 image '00000000-no-prior' is not in mimic-cxr"
check "a rejected row leaves no borrowed image behind" test "$(q "$tmp/bad.db" "SELECT count(*)
  FROM image i JOIN dataset d ON d.id = i.dataset_id WHERE d.source <> 'mimic-cxr'
  AND i.key LIKE '00000000%'")" = 0
check "rows read = kept + rejected for both borrowers" test "$(q "$tmp/bad.db" "SELECT
  group_concat(source || ' ' || rows_read || '=' || rows_kept || '+' || rows_rejected, ', ')
  FROM (SELECT * FROM dataset WHERE source <> 'mimic-cxr' ORDER BY source)")" = \
  "cxr-lt 11=9+2, ms-cxr-t 9=8+1"

tap_done
