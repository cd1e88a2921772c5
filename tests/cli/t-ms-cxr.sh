#!/usr/bin/env bash
# t-ms-cxr.sh - MS-CXR on MIMIC-CXR's images (builder/adapters/ms-cxr.c): built with
# MIMIC-CXR it borrows its image rows and reads its files and reports; test wins between the
# release's split and MIMIC-CXR's, both kept, and no train record of any source holds a study
# either puts in test; the four entries (phrase grounding, grounded captioning, grounded
# diagnosis, grounded phrase extraction) with their exact counts and a rendered answer; audit
# passes; an image MIMIC-CXR lacks is a reject; without MIMIC-CXR it is refused. Prints TAP.
# Run from the repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
q() { sqlite3 "$1" "$2"; }
db="$tmp/m.db"
two=mimic-cxr,ms-cxr
ms="JOIN entry e ON e.id = n.entry_id JOIN dataset d ON d.id = e.dataset_id
  JOIN task t ON t.id = e.task_id WHERE d.source = 'ms-cxr'"

"$cx" --catalogue "$db" build --sources sources/ --only "$two" --strict >"$tmp/build.out" 2>&1
check "MIMIC-CXR and MS-CXR build with no reject (--strict)" test $? -eq 0
check "all 9 rows kept" test "$(q "$db" "SELECT rows_read || ' ' || rows_kept FROM dataset
  WHERE source = 'ms-cxr'")" = "9 9"
check "4 images borrowed, each a copy of MIMIC-CXR's (file, size, study)" test "$(q "$db" "
  SELECT count(*) FROM image b JOIN dataset db ON db.id = b.dataset_id AND db.source = 'ms-cxr'
  JOIN image m ON m.key = b.key JOIN dataset dm ON dm.id = m.dataset_id AND dm.source = 'mimic-cxr'
  JOIN study sb ON sb.id = b.study_id JOIN study sm ON sm.id = m.study_id
  WHERE b.path = m.path AND b.width = m.width AND b.height = m.height AND sb.key = sm.key")" = 4
check "9 phrase boxes and 9 boxes of their categories" test "$(q "$db" "SELECT
  (SELECT count(*) FROM phrase_box) || ' ' || (SELECT count(*) FROM box b JOIN dataset d
  ON d.id = b.dataset_id WHERE d.source = 'ms-cxr')")" = "9 9"

# --- the split: test wins, both kept ------------------------------------------------------
# 47f0c2b9 (study 57011549): MIMIC-CXR train, MS-CXR test. 2e5a9c17 (study 55208661):
# MIMIC-CXR test, MS-CXR train.
check "both splits kept: the release's on the phrase boxes, MIMIC-CXR's on its image" test \
  "$(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT DISTINCT substr(i.key, 1, 8) || ':'
  || pb.split || '/' || m.split AS x FROM phrase_box pb JOIN image i ON i.id = pb.image_id
  JOIN image m ON m.key = i.key JOIN dataset dm ON dm.id = m.dataset_id
  AND dm.source = 'mimic-cxr' WHERE pb.split <> m.split ORDER BY x)")" = \
  "2e5a9c17:train/test 47f0c2b9:test/train"
check "every instance on both images is test, in all four entries" test "$(q "$db" "
  SELECT group_concat(x, ' ') FROM (SELECT t.name || ':' || n.split || ':' || count(*) AS x
  FROM instance n $ms AND (n.key LIKE '2e5a9c17%' OR n.key LIKE '47f0c2b9%')
  GROUP BY t.name, n.split ORDER BY x)")" = \
  "grounded-captioning:test:4 grounded-diagnosis:test:4 grounded-phrase-extraction:test:4 phrase-grounding:test:4"
check "instances per entry and split (train/val/test)" test "$(q "$db" "
  SELECT group_concat(x, ' ') FROM (SELECT t.name || '=' || sum(n.split = 'train') || '/'
  || sum(n.split = 'val') || '/' || sum(n.split = 'test') AS x FROM instance n $ms
  GROUP BY t.name ORDER BY t.name)")" = \
  "grounded-captioning=1/3/4 grounded-diagnosis=1/3/4 grounded-phrase-extraction=0/3/4 phrase-grounding=1/3/4"
"$cx" --catalogue "$db" shard --out "$tmp/train" --split train >/dev/null 2>"$tmp/shard.err"
check "shard --split train" test $? -eq 0
python3 - "$tmp/train" >"$tmp/studies.txt" <<'PY'
import glob, os, sys
sys.path.insert(0, "shards")
from chexinstruct_shards import NativeShard
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.cxs"))):
    with NativeShard(f) as sh:
        for i in range(len(sh)):
            m = sh.read(i)["meta"]
            print(m["dataset"], m["task"], m["study"])
PY
check "train holds MIMIC-CXR records (the check below can fail)" grep -q '^MIMIC-CXR ' \
  "$tmp/studies.txt"
check "no train record of a study MS-CXR puts in test (57011549), MIMIC-CXR's own included" \
  test "$(grep -c 'mimic-cxr:57011549$' "$tmp/studies.txt")" = 0

# --- the tasks ----------------------------------------------------------------------------
check "grounded phrase extraction leaves out the phrase no report section holds, counted" \
  test "$(q "$db" "SELECT f.rule || '|' || f.rows FROM filtered f JOIN dataset d
  ON d.id = f.dataset_id WHERE d.source = 'ms-cxr'")" = \
  "grounded-phrase-extraction: the phrase is in no section of its study's report|1"
check "a phrase the report wraps over two lines is found (whitespace read as one space)" \
  test "$(q "$db" "SELECT count(*) FROM instance n $ms AND t.name = 'grounded-phrase-extraction'
  AND n.label = 'Mild interstitial pulmonary edema'")" = 1
"$cx" --catalogue "$db" sample --task phrase-grounding --dataset ms-cxr -n 8 >"$tmp/pg.txt" 2>&1
check "phrase grounding: both boxes of a phrase, each after the phrase, in the 64x80 frame" \
  grep -qx 'answer: *<ref>small bilateral pleural effusions</ref><box>(11,62),(42,78)</box><ref>small bilateral pleural effusions</ref><box>(58,62),(89,78)</box>' \
  "$tmp/pg.txt"
"$cx" --catalogue "$db" sample --task grounded-diagnosis --dataset ms-cxr -n 8 >"$tmp/gd.txt" 2>&1
check "grounded diagnosis: the category as released names the region" \
  test "$(grep -c '^answer: *\(Atelectasis\|Cardiomegaly\|Consolidation\|Edema\|Lung Opacity\|Pleural Effusion\|Pneumonia\)$' \
  "$tmp/gd.txt")" = 8
"$cx" --catalogue "$db" sample --task grounded-phrase-extraction --dataset ms-cxr -n 7 \
  >"$tmp/gpe.txt" 2>&1
check "grounded phrase extraction: every answer is in its instruction's report text" python3 -c '
import re, sys
text = open(sys.argv[1]).read()
pairs = re.findall(r"^instruction: (.*)\nanswer: *(.*)$", text, re.M)
assert len(pairs) == 7, len(pairs)
for ins, ans in pairs:
    assert ans in ins.split("</box>")[-1] or ans in ins.split("<box>")[0], (ins, ans)' "$tmp/gpe.txt"
"$cx" --catalogue "$db" audit --dataset ms-cxr >"$tmp/audit.txt" 2>&1
check "audit passes on the four MS-CXR entries" test $? -eq 0
check "audit covers the four MS-CXR entries" test "$(grep -c '\] \[MS-CXR\] ' "$tmp/audit.txt")" = 4
"$cx" --catalogue "$db" sample --task phrase --dataset ms-cxr --png "$tmp/sheet.png" >/dev/null 2>&1
check "sample --png draws a contact sheet of phrase boxes" test -s "$tmp/sheet.png"

# --- without MIMIC-CXR; an image MIMIC-CXR lacks -----------------------------------------------
"$cx" --catalogue "$tmp/alone.db" build --sources sources/ --only ms-cxr >"$tmp/alone.out" 2>&1
check "MS-CXR alone: exit 1, one line saying MIMIC-CXR is required" grep -qx \
  "chexinstruct: error: ms-cxr not built: it requires mimic-cxr, and it is neither built in this run nor in the catalogue" \
  "$tmp/alone.out"
mkdir -p "$tmp/bad"
cp -r sources/mimic-cxr sources/ms-cxr "$tmp/bad/"
csv="$tmp/bad/ms-cxr/MS_CXR_Local_Alignment_v1.1.0.csv"
sed -n 2p "$csv" | sed 's/6b93d0f2-a1c74e58-2f06b9d3-c8e51a47-9d3b06e8/00000000-no-such-dicom/g' >>"$csv"
"$cx" --catalogue "$tmp/bad.db" build --sources "$tmp/bad" --only "$two" >/dev/null 2>&1
check "an image MIMIC-CXR lacks: one reject naming it" test "$(q "$tmp/bad.db" "SELECT
  r.line || ' ' || r.reason FROM reject r JOIN dataset d ON d.id = r.dataset_id
  WHERE d.source = 'ms-cxr'")" = "11 image '00000000-no-such-dicom' is not in mimic-cxr"
tap_done
