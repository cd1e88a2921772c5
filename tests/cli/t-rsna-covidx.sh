#!/usr/bin/env bash
# t-rsna-covidx.sh - the first DICOM source end to end, and the images RSNA
# Pneumonia and COVIDx share with NIH ChestX-ray14 and with each other. The
# demo releases hold, on purpose: RSNA 21636369 = NIH 00000105_000.png (the
# same pixels as an 8-bit DICOM; NIH test, RSNA train); COVIDx
# test/5bc8fbbc...png = RSNA 5bc8fbbc (a PNG of the DICOM's pixels; COVIDx
# test, RSNA train); RSNA 6513270e = NIH 00000101_000.png scaled 2x, and
# COVIDx val/cd613e30...jpg = RSNA cd613e30 as a JPEG (near duplicates:
# other pixels, the same picture). Builds the three sources with their
# DICOM header probe and pixel hashes, then checks dedup, the shard's split
# hygiene and --image-size on DICOM. Prints TAP; run from the repository
# root with the binary as $1. Also: sex, age and view of the RSNA images come
# from their DICOM headers (the CSVs have none).
set -u
. "$(dirname "$0")/tap.sh"

db="$tmp/overlap.db"
three=nih-chestxray14,rsna-pneumonia,covidx
src="$PWD/sources/" # absolute: shard reads images from the folder it runs in
"$cx" --catalogue "$db" build --sources "$src" --only "$three" --hash-images >/dev/null 2>"$tmp/build.err"
check "build --hash-images of NIH, RSNA and COVIDx exits 0" test $? -eq 0
check "no row rejected" test "$(sqlite3 "$db" "SELECT count(*) FROM reject")" = 0
q() { sqlite3 "$db" "$1"; }
check "the DICOM header probe read every RSNA image's size (64x64, one 128x128)" test \
  "$(q "SELECT group_concat(width || 'x' || height || ':' || n, ' ') FROM (SELECT width, height,
        count(*) AS n FROM image i JOIN dataset d ON i.dataset_id = d.id
        WHERE d.source = 'rsna-pneumonia' GROUP BY width, height ORDER BY width)")" = "64x64:9 128x128:1"
check "sex, age and view of RSNA images come from their DICOM headers (age 155: unknown)" test \
  "$(q "SELECT group_concat(i.key || ':' || ifnull(i.sex, '-') || ':' || ifnull(i.age, '-') || ':'
        || ifnull(i.view, '-'), ' ') FROM image i JOIN dataset d ON i.dataset_id = d.id
        WHERE d.source = 'rsna-pneumonia' AND i.key IN ('4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e',
        'b8a1abcd-1a69-46c7-8da4-f9fc3c6da5d7') ORDER BY i.key")" = \
  "4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e:F:34:AP b8a1abcd-1a69-46c7-8da4-f9fc3c6da5d7:M:-:PA"
check "NIH images keep their CSV's demographics (PNG headers give none)" test \
  "$(q "SELECT sex || ':' || age || ':' || view FROM image WHERE key = '00000101_000.png'")" = "M:63:PA"
check "every image of the three has a pixel hash" test \
  "$(q "SELECT count(*) = count(pixel_hash) AND count(*) = 31 FROM image")" = 1

# --- dedup ------------------------------------------------------------------
"$cx" --catalogue "$db" dedup --json >"$tmp/dedup.json"
check "dedup exits 0" test $? -eq 0
check "exact duplicates: exactly the two shared images, across sources and splits" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted(((p["a"]["dataset"], p["a"]["key"], p["a"]["split"]),
              (p["b"]["dataset"], p["b"]["key"], p["b"]["split"])) for p in d["exact"])
want = [(("COVIDx CXR", "test/5bc8fbbc-bde5-4099-8164-d8399f767c45.png", "test"),
         ("RSNA Pneumonia", "5bc8fbbc-bde5-4099-8164-d8399f767c45", "train")),
        (("ChestX-ray14", "00000105_000.png", "test"),
         ("RSNA Pneumonia", "21636369-8b52-4b4a-97b7-50923ceb3ffd", "train"))]
assert got == want, got
' "$tmp/dedup.json"
check "near duplicates at distance 0 include the resized and the re-encoded copy" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
near = {(p["a"]["key"], p["b"]["key"]): p["distance"] for p in d["near"]}
assert near[("00000101_000.png", "6513270e-269e-4d37-b2a7-4de452e6b438")] == 0, near
assert near[("val/cd613e30-d8f1-4adf-91b7-584a2265b1f5.jpg",
             "cd613e30-d8f1-4adf-91b7-584a2265b1f5")] == 0, near
' "$tmp/dedup.json"

# --- split hygiene: a shared image is one image, its strictest split wins ---
cd "$tmp" || exit 1
"$cx" --catalogue "$db" shard --out train --split train --image-size 32 >/dev/null 2>"$tmp/shard.err"
check "shard --split train --image-size 32 exits 0" test $? -eq 0
check "train loses exactly the RSNA records whose image is in another source's test" python3 -c '
import json, sys
l = json.load(open("train/leakage.json"))
got = sorted((r["entry"], r["key"], r["reason"], r["because"]["entry"], r["because"]["split"])
             for r in l["removed"])
want = sorted([
  ("[Image Classification] [RSNA Pneumonia]", "21636369-8b52-4b4a-97b7-50923ceb3ffd",
   "image-in-test", "[Image Classification] [ChestX-ray14]", "test"),
  ("[Image Classification] [RSNA Pneumonia]", "5bc8fbbc-bde5-4099-8164-d8399f767c45",
   "image-in-test", "[Image Classification] [COVIDx CXR]", "test"),
  ("[Abnormality Grounding] [RSNA Pneumonia]", "5bc8fbbc-bde5-4099-8164-d8399f767c45|Lung Opacity",
   "image-in-test", "[Image Classification] [COVIDx CXR]", "test")])
assert got == want, got
'
check "verify: every image (DICOM included) re-encoded as JPEG of at most 32 px" "$cx" verify train
check "the shard holds the RSNA train records left (4 classification, 2 grounding)" python3 -c '
import json
m = json.load(open("train/manifest.json"))
c = m["counts"]["entry"]
assert c["[Image Classification] [RSNA Pneumonia]"] == 4, c
assert c["[Abnormality Grounding] [RSNA Pneumonia]"] == 2, c
assert m["config"]["image_size"] == 32, m["config"]
'

# Without --hash-images an image is known by its file's bytes: a DICOM and a
# PNG of the same pixels are two images, and nothing is removed.
"$cx" --catalogue "$tmp/bytes.db" build --sources "$src" --only "$three" >/dev/null 2>&1
"$cx" --catalogue "$tmp/bytes.db" shard --out bytes --split train --image-size 32 >/dev/null 2>&1
check "without --hash-images the DICOM/PNG copies are not caught (file bytes differ)" python3 -c '
import json
l = json.load(open("bytes/leakage.json"))
assert [r for r in l["removed"] if "RSNA" in r["entry"]] == [], l
'
# Shards carry JPEG or PNG only: without --image-size a DICOM cannot be
# written, and every RSNA train record is left out as unreadable.
"$cx" --catalogue "$db" shard --out raw --split train >/dev/null 2>&1
check "without --image-size every RSNA train record is left out (image-unreadable)" python3 -c '
import json
l = json.load(open("raw/leakage.json"))
r = [(x["key"], x["reason"]) for x in l["removed"] if "RSNA" in x["entry"]]
assert len(r) == 9 and {x[1] for x in r} == {"image-unreadable"}, r
'
tap_done
