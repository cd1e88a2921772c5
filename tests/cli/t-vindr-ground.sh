#!/usr/bin/env bash
# t-vindr-ground.sh - abnormality grounding with paired negatives on the VinDr demo releases
# (rule boxes-few-paired, builder/adapters/rules.c): per split, as many images without a
# label as the label has positive items, each an image whose labels give the label as 0 and
# that has no box of it; answered "No <finding> detected."; what the pairing leaves out is
# counted as filtered; audit passes. VinDr-PCXR's image labels are diagnoses, not its box
# classes, so none of its images is a negative. Prints TAP. Run from the repository root
# with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
q() { sqlite3 "$db" "$1"; }
db="$tmp/v.db"
g="JOIN entry e ON e.id = n.entry_id JOIN dataset d ON d.id = e.dataset_id
  JOIN task t ON t.id = e.task_id WHERE t.name = 'abnormality-grounding'"
neg="NOT EXISTS (SELECT 1 FROM box b WHERE b.image_id = n.image_id AND b.label = n.label)"

"$cx" --catalogue "$db" build --sources sources/ --only vindr-cxr,vindr-pcxr --strict \
  >"$tmp/build.out" 2>&1
check "both VinDr demos build with no reject (--strict)" test $? -eq 0
check "grounding per source and split: negatives/instances" test "$(q "SELECT
  group_concat(x, ' ') FROM (SELECT d.source || ':' || n.split || ':' || sum($neg) || '/'
  || count(*) AS x FROM instance n $g GROUP BY d.source, n.split ORDER BY x)")" = \
  "vindr-cxr:test:4/8 vindr-cxr:train:6/12 vindr-pcxr:test:0/1 vindr-pcxr:train:0/2"
check "the negatives: image and label" test "$(q "SELECT group_concat(x, ' ') FROM
  (SELECT substr(n.key, 1, 8) || '|' || n.label AS x FROM instance n $g
  AND d.source = 'vindr-cxr' AND $neg ORDER BY n.key)")" = \
  "07e134b5|Consolidation 07e134b5|Lung Opacity 07e134b5|Other lesion 07e134b5|Pleural effusion b7fda25d|Aortic enlargement b7fda25d|Cardiomegaly b7fda25d|Nodule/Mass b7fda25d|Pleural effusion b7fda25d|Pleural thickening b7fda25d|Pulmonary fibrosis"
check "every negative's labels give its label as 0" test "$(q "SELECT count(*) FROM
  instance n $g AND $neg AND json_extract((SELECT i.labels FROM image i
  WHERE i.id = n.image_id), '$.\"' || n.label || '\"') = 0")" = 10
check "no label has more negatives than positives in a split" test "$(q "SELECT count(*)
  FROM (SELECT n.split, n.label, sum($neg) AS k, sum(NOT $neg) AS p FROM instance n $g
  GROUP BY n.split, n.label) WHERE k > p")" = 0
check "left out: the class of three boxes and the unpaired images, counted" test \
  "$(q "SELECT f.rows FROM filtered f JOIN dataset d ON d.id = f.dataset_id
  WHERE d.source = 'vindr-cxr' AND f.rule LIKE 'abnormality-grounding:%'")" = 28
"$cx" --catalogue "$db" sample --task abnormality-grounding --dataset vindr-cxr -n 40 --json \
  >"$tmp/s.json"
check "a negative is answered by name, without its article" test "$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["key"] == "b7fda25d4aaa9bd5c078a00429aa43c1|Nodule/Mass":
        print(r["answer"])' "$tmp/s.json")" = "No nodule or mass detected."
"$cx" --catalogue "$db" audit --task abnormality-grounding >"$tmp/audit.txt" 2>&1
check "audit passes on both entries" grep -qx \
  'audit: every check passed (2 entries, 23 instances)' "$tmp/audit.txt"
tap_done
