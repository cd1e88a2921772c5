#!/usr/bin/env bash
# t-hostile.sh - `build` and `stats` on hostile and damaged copies of the demo
# releases (issue 10): over-long rows and lines are one reject each and the
# source goes on; image names and symbolic links that leave the release are
# rejects naming the row; a truncated image archive and a corrupt gzip CSV
# are named on stderr with the reason, and a damaged archive is counted by
# `stats`. Prints TAP. Run from the repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"

# Rows read = kept + rejected + filtered for every dataset of a catalogue.
accounting() {
  python3 -c '
import json, subprocess, sys
out = subprocess.check_output([sys.argv[1], "--catalogue", sys.argv[2], "stats", "--json"])
d = json.loads(out)
for s in d["datasets"]:
    assert s["rows_read"] == s["rows_kept"] + s["rows_rejected"] + s["rows_filtered"], s
' "$cx" "$1"
}
# stats --json KEY of the dataset whose source is SOURCE.
stat_of() {
  "$cx" --catalogue "$1" stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([s[sys.argv[2]] for s in d["datasets"] if s["source"] == sys.argv[1]][0])' "$2" "$3"
}
rejects() { sqlite3 "$1" "SELECT r.file, r.line, r.reason FROM reject r ORDER BY 1, 2, 3"; }

# --- over-long rows and lines ------------------------------------------------
mkdir -p "$tmp/long"
cp -r sources/nih-chestxray14 "$tmp/long/"
python3 - "$tmp/long/nih-chestxray14" <<'PY'
import sys
d = sys.argv[1]
def insert(name, at, line):
    p = d + "/" + name
    lines = open(p).read().split("\n")
    lines.insert(at, line)
    open(p, "w").write("\n".join(lines))
insert("Data_Entry_2017_v2020.csv", 2, "x.png," + "a" * (2 << 20) + ",0,1,1,M,PA,1,1,1,1")
insert("train_val_list.txt", 1, "b" * (5 << 20))
PY
"$cx" --catalogue "$tmp/long.db" build --sources "$tmp/long" >"$tmp/long.out" 2>"$tmp/long.err"
check "an over-long CSV field and an over-long split-list line: build exits 0" test $? -eq 0
rejects "$tmp/long.db" >"$tmp/long.rej"
printf '%s\n' \
  "Data_Entry_2017_v2020.csv|3|field of column 'Finding Labels' longer than 1048576 bytes" \
  "train_val_list.txt|2|line longer than 4194304 bytes" >"$tmp/long.want"
check "each is one reject naming file, line and reason" diff "$tmp/long.want" "$tmp/long.rej"
check "the other rows are all kept (16 of 18 read)" \
  test "$(stat_of "$tmp/long.db" nih-chestxray14 rows_kept)/$(stat_of "$tmp/long.db" nih-chestxray14 rows_read)" = 16/18
check "the accounting holds" accounting "$tmp/long.db"

# --- names and links that leave the release ----------------------------------
mkdir -p "$tmp/conf"
cp -r sources/vqa-rad sources/slake "$tmp/conf/"
printf 'outside' >"$tmp/secret.jpg"
rm "$tmp/conf/vqa-rad/VQA_RAD Image Folder/synpic30011.jpg"
ln -s "$tmp/secret.jpg" "$tmp/conf/vqa-rad/VQA_RAD Image Folder/synpic30011.jpg"
python3 - "$tmp/conf/slake/train.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d[1]["img_name"] = "../../secret.jpg"
d[2]["img_name"] = "/tmp/secret.jpg"
json.dump(d, open(p, "w"))
PY
"$cx" --catalogue "$tmp/conf.db" build --sources "$tmp/conf" >/dev/null 2>"$tmp/conf.err"
check "a link out, a '..' name and an absolute name: build exits 0" test $? -eq 0
rejects "$tmp/conf.db" >"$tmp/conf.rej"
out="image file 'VQA_RAD Image Folder/synpic30011.jpg': a symbolic link on its path leads out of the release"
printf '%s\n' \
  "VQA_RAD Dataset Public.json|2|$out" \
  "VQA_RAD Dataset Public.json|3|$out" \
  "VQA_RAD Dataset Public.json|4|$out" \
  "VQA_RAD Dataset Public.json|10|$out" \
  "train.json|2|img_name '../../secret.jpg' is not a safe name: a '..' component" \
  "train.json|3|img_name '/tmp/secret.jpg' is not a safe name: an absolute path" \
  >"$tmp/conf.want"
check "each is a reject naming the row" diff "$tmp/conf.want" "$tmp/conf.rej"
check "no file outside the release became an image" \
  test "$(sqlite3 "$tmp/conf.db" "SELECT count(*) FROM image WHERE path LIKE '%30011%' OR path LIKE '%secret%'")" = 0
check "the accounting holds" accounting "$tmp/conf.db"

# A '..' image id in an OpenI XML report, with and without --no-image-check
# (the catalogue's own lookup refusing what an adapter missed: t-bounds.c).
mkdir -p "$tmp/oi"
cp -r sources/openi "$tmp/oi/"
python3 - "$tmp/oi/openi/NLMCXR_reports.tgz" <<'PY'
import io, sys, tarfile
p = sys.argv[1]
with tarfile.open(p) as t:
    members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
with tarfile.open(p, "w:gz") as t:
    for m, b in members:
        if m.name.endswith("/1.xml"):
            b = b.replace(b'parentImage id="CXR1_1_IM-0001-3001"', b'parentImage id="../../secret"', 1)
            m.size = len(b)
        t.addfile(m, io.BytesIO(b) if b is not None else None)
PY
want="ecgen-radiology/1.xml|101|parentImage id '../../secret' is not a safe name: a '..' component"
for opt in "" --no-image-check; do
  "$cx" --catalogue "$tmp/oi$opt.db" build --sources "$tmp/oi" $opt >/dev/null 2>&1
  check "a '..' image id in an XML report${opt:+ ($opt)}: a reject naming the row" \
    diff <(echo "$want") <(rejects "$tmp/oi$opt.db")
done

# --- a truncated image archive -----------------------------------------------
mkdir -p "$tmp/cut"
cp -r sources/nih-chestxray14 "$tmp/cut/"
a="$tmp/cut/nih-chestxray14/images_001.tar.gz"
head -c $(($(stat -c %s "$a") / 2)) "$a" >"$tmp/half" && mv "$tmp/half" "$a"
"$cx" --catalogue "$tmp/cut.db" build --sources "$tmp/cut" >/dev/null 2>"$tmp/cut.err"
check "a truncated image archive: build exits 1" test $? -eq 1
check "with one line naming the archive and the damage" \
  diff <(echo "chexinstruct: error: nih-chestxray14: $a: damaged archive: truncated gzip input") "$tmp/cut.err"
check "every image it held is a reject naming the damage" \
  test "$(rejects "$tmp/cut.db" | grep -c "|missing image file 'images/[0-9_]*.png' (an archive of the release is damaged: $a)\$")" = 10
check "stats --json counts the damaged archive" \
  test "$(stat_of "$tmp/cut.db" nih-chestxray14 damaged_archives)" = 1
check "so does the stats table" grep -qx '    damaged archives: 1' <("$cx" --catalogue "$tmp/cut.db" stats)
check "the accounting holds" accounting "$tmp/cut.db"
"$cx" --catalogue "$tmp/cut.db" build --sources sources --only nih-chestxray14 >/dev/null 2>&1
check "rebuilding from the whole archive clears the count" \
  test "$(stat_of "$tmp/cut.db" nih-chestxray14 damaged_archives)" = 0

# --- a corrupt gzip CSV ------------------------------------------------------
mkdir -p "$tmp/gz"
cp -r sources/mimic-cxr "$tmp/gz/"
g="$tmp/gz/mimic-cxr/mimic-cxr-2.0.0-split.csv.gz"
python3 - "$g" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[30] ^= 0xFF  # a byte of the deflate data
open(p, "wb").write(bytes(b))
PY
"$cx" --catalogue "$tmp/gz.db" build --sources "$tmp/gz" >/dev/null 2>"$tmp/gz.err"
check "a corrupt gzip CSV: build exits 1" test $? -eq 1
check "with one line naming the file and the damage" \
  diff <(echo "chexinstruct: error: mimic-cxr: $g: damaged gzip data: invalid code -- missing end-of-block") "$tmp/gz.err"

tap_done
