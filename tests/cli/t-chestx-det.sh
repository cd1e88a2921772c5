#!/usr/bin/env bash
# t-chestx-det.sh - cross-source hygiene for ChestX-Det10 and ChestX-Det,
# whose images are NIH ChestX-ray14 images under new numeric ids (their JSON
# names no NIH image, patient or study: only pixels tie them). The demo
# releases hold, on purpose: ChestX-Det10 36201.png = NIH 00000106_000.png
# (the same pixels; NIH test, ChestX-Det10 train), 39066.png in both Deepwise
# releases = NIH 00000107_000.png (all test), 36200.png = NIH 00000102_000.png
# and 36204.png = NIH 00000103_000.png scaled 2x (36204 with a mass drawn on
# it: other pixels, the same picture), the Deepwise releases sharing 36200,
# 36204 and 39066 byte for byte, as ChestX-Det took ChestX-Det10's images.
# Builds the three sources with pixel hashes and checks exactly which pairs
# dedup reports, and what the train shard's split hygiene removes. Prints
# TAP; run from the repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"

db="$tmp/det.db"
three=nih-chestxray14,chestx-det10,chestx-det
src="$PWD/sources/"
"$cx" --catalogue "$db" build --sources "$src" --only "$three" --hash-images >/dev/null 2>"$tmp/build.err"
check "build --hash-images of NIH, ChestX-Det10 and ChestX-Det exits 0" test $? -eq 0
check "no row rejected" test "$(sqlite3 "$db" "SELECT count(*) FROM reject")" = 0
check "every image of the three has a pixel hash (10 + 8 + 5)" test \
  "$(sqlite3 "$db" "SELECT count(*) = count(pixel_hash) AND count(*) = 23 FROM image")" = 1

"$cx" --catalogue "$db" dedup --json >"$tmp/dedup.json"
check "dedup exits 0" test $? -eq 0
check "exact duplicates: the NIH images kept as they are, and the images the two share" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted(((p["a"]["dataset"], p["a"]["key"], p["a"]["split"]),
              (p["b"]["dataset"], p["b"]["key"], p["b"]["split"])) for p in d["exact"])
want = [(("ChestX-Det", "36200.png", "train"), ("ChestX-Det10", "36200.png", "train")),
        (("ChestX-Det", "36204.png", "train"), ("ChestX-Det10", "36204.png", "train")),
        (("ChestX-Det", "39066.png", "test"), ("ChestX-Det10", "39066.png", "test")),
        (("ChestX-Det", "39066.png", "test"), ("ChestX-ray14", "00000107_000.png", "test")),
        (("ChestX-Det10", "36201.png", "train"), ("ChestX-ray14", "00000106_000.png", "test"))]
assert got == want, got
' "$tmp/dedup.json"
check "near duplicates: exactly the two resized NIH images, at distance 0" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((p["distance"], p["a"]["dataset"], p["a"]["key"], p["b"]["dataset"], p["b"]["key"])
             for p in d["near"])
want = [(0, "ChestX-Det", "36200.png", "ChestX-ray14", "00000102_000.png"),
        (0, "ChestX-Det", "36204.png", "ChestX-ray14", "00000103_000.png")]
assert got == want, got
' "$tmp/dedup.json"

cd "$tmp" || exit 1
"$cx" --catalogue "$db" shard --out train --split train >/dev/null 2>"$tmp/shard.err"
check "shard --split train exits 0" test $? -eq 0
check "train loses the ChestX-Det10 records on an NIH test image and a record both releases hold" \
  python3 -c '
import json
l = json.load(open("train/leakage.json"))
got = sorted((r["entry"], r["key"], r["reason"], r["because"]["entry"], r["because"]["split"])
             for r in l["removed"])
want = [("[Abnormality Detection] [ChestX-Det10]", "36201.png", "image-in-test",
         "[Image Classification] [ChestX-ray14]", "test"),
        ("[Abnormality Grounding] [ChestX-Det10]", "36201.png|Consolidation", "image-in-test",
         "[Image Classification] [ChestX-ray14]", "test"),
        ("[Abnormality Grounding] [ChestX-Det]", "36204.png|Mass", "duplicate-record",
         "[Abnormality Grounding] [ChestX-Det10]", "train")]
assert got == want, got
'
tap_done
