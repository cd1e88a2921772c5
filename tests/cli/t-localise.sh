#!/usr/bin/env bash
# t-localise.sh - SIIM-ACR and CANDID-PTX end to end: the DICOM header pass
# on their images (and CANDID's one JPEG), the localisation entries' exact
# instances (which images without the finding each rule takes: CANDID's rib
# fracture and chest tube negatives leave out reports that mention the
# finding), the answers, audit, and the CANDID pneumothorax cap of 5,000
# negatives on a generated release of 5,003. Prints TAP; run from the
# repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"

db="$tmp/ptx.db"
q() { sqlite3 "$db" "$1"; }
"$cx" --catalogue "$db" build --sources sources/ --only siim-acr,candid-ptx >/dev/null 2>"$tmp/err"
check "build of SIIM-ACR and CANDID-PTX exits 0" test $? -eq 0
check "no row rejected" test "$(q "SELECT count(*) FROM reject")" = 0
check "the header pass read every image (96 x 96 DICOMs, one JPEG)" test \
  "$(q "SELECT group_concat(n, ' ') FROM (SELECT count(*) AS n FROM image
        WHERE width = 96 AND height = 96 UNION ALL SELECT count(*) FROM image)")" = "20 20"

keys() { # keys TASK SOURCE: split:key of the entry's instances, in key order
  q "SELECT group_concat(split || ':' || substr(key, -5), ' ') FROM (SELECT split, key
     FROM instance_named WHERE task = '$1' AND source = '$2' ORDER BY key)"
}
check "rib fractures: the positive image, and one negative of its split whose report does not mention a fracture (not 57514, 'old healed rib fractures')" test \
  "$(keys rib-fracture-localisation candid-ptx)" = "train:33757 train:41676"
check "chest tubes: the positive image, and one negative of its split whose report does not mention a tube (not 73352, 'nasogastric tube')" test \
  "$(keys chest-tube-localisation candid-ptx)" = "val:17919 val:97109"
check "the images left out are counted (items less instances)" test \
  "$(q "SELECT group_concat(rows, ' ') FROM (SELECT rows FROM filtered ORDER BY rule)")" = "10 10"
check "pneumothorax: every SIIM image and every CANDID image (10 negatives, under the cap)" \
  test "$(q "SELECT group_concat(source || ':' || n, ' ') FROM (SELECT source, count(*) AS n
        FROM instance_named WHERE task = 'pneumothorax-localisation' GROUP BY source
        ORDER BY source)")" = "candid-ptx:12 siim-acr:8"
check "impression generation: one instance per CANDID study with a report" test \
  "$(q "SELECT count(*) FROM instance_named WHERE task = 'impression-generation'")" = 11

"$cx" --catalogue "$db" sample --task localisation -n 100 --json >"$tmp/s.json"
check "answers: the masks' boxes on the 1024 grid, or the finding's negative sentence" python3 -c '
import json, sys
got = {(r["task"], r["key"][-5:]): r["answer"] for r in json.load(open(sys.argv[1]))}
want = {("pneumothorax-localisation", "11526"): "<box>(11,10),(45,55)</box>",
        ("pneumothorax-localisation", "11639"):
            "<box>(11,10),(45,55)</box><box>(55,18),(87,56)</box>",
        ("pneumothorax-localisation", "11865"): "<box>(15,10),(32,35)</box>",
        ("pneumothorax-localisation", "11413"): "No pneumothorax detected.",
        ("rib-fracture-localisation", "33757"):
            "<box>(67,40),(74,44)</box><box>(74,56),(80,60)</box>",
        ("rib-fracture-localisation", "41676"): "No rib fracture detected.",
        ("chest-tube-localisation", "17919"): "<box>(10,28),(34,85)</box>",
        ("chest-tube-localisation", "97109"): "No chest tube detected."}
for k, v in want.items():
    assert got.get(k) == v, (k, got.get(k), v)
' "$tmp/s.json"
"$cx" --catalogue "$db" audit >"$tmp/audit.txt"
check "audit passes on every entry of both sources" test $? -eq 0

# --- the cap: a CANDID release with 3 positives and 5,003 negatives ---------
big="$tmp/candid"
python3 - "$big" <<'PY'
import os, sys
out = sys.argv[1]
os.makedirs(out + "/dataset")
rows = ["SOPInstanceUID,EncodedPixels,Report"]
for i in range(5006):
    sop = "2.25.%d" % (1000 + i)
    open("%s/dataset/%s.dcm" % (out, sop), "w").close()
    rle = "%d 40 984 40 984 40 984 40 984 40 984 40 984 40 984 40 984 40 984 40 984 40 984 40" \
        % (300 * 1024 + 200) if i < 3 else "-1"
    rows.append("%s,%s,Report %d." % (sop, rle, i))
open(out + "/Pneumothorax_reports.csv", "w").write("\n".join(rows) + "\n")
PY
"$cx" --catalogue "$tmp/big.db" build --sources "$big" --no-image-check >/dev/null 2>&1
check "a 5,006-image CANDID release builds" test $? -eq 0
check "pneumothorax: 3 positives and the first 5,000 negatives in hrank order; 3 counted" \
  test "$(sqlite3 "$tmp/big.db" "SELECT (SELECT count(*) FROM instance_named WHERE task =
        'pneumothorax-localisation') || ' ' || (SELECT rows FROM filtered WHERE rule LIKE
        'pneumothorax-localisation:%past the first 5000')")" = "5003 3"
check "the negatives left out are the last 3 in hrank order" test "$(sqlite3 "$tmp/big.db" \
  "SELECT count(*) FROM image i WHERE i.id NOT IN (SELECT image_id FROM instance
   WHERE image_id IS NOT NULL)
   AND i.hrank > (SELECT max(k.hrank) FROM instance n JOIN image k ON k.id = n.image_id
   WHERE NOT EXISTS (SELECT 1 FROM box b WHERE b.image_id = k.id))")" = 3
tap_done
