#!/usr/bin/env bash
# t-dedup.sh - build --hash-images and the dedup command on the demo
# releases and on a copy where one image is duplicated across two sources and
# one is re-encoded. Prints TAP. Run from the repository root with the binary
# as $1.
set -u
. "$(dirname "$0")/tap.sh"

# --- hashes in the catalogue ------------------------------------------------
"$cx" --catalogue "$tmp/demo.db" build --sources sources/ --only "$frozen" --hash-images >/dev/null 2>"$tmp/build.err"
check "build --hash-images on the demo exits 0" test $? -eq 0
check "every image has a pixel hash and a dHash" test \
  "$(sqlite3 "$tmp/demo.db" "SELECT count(*) = 48 AND count(pixel_hash) = 48 AND count(dhash) = 48 FROM image")" = 1
"$cx" --catalogue "$tmp/plain.db" build --sources sources/ --only slake >/dev/null
check "without --hash-images no image has hashes" test \
  "$(sqlite3 "$tmp/plain.db" "SELECT count(pixel_hash) + count(dhash) FROM image")" = 0
"$cx" --catalogue "$tmp/plain.db" dedup >/dev/null 2>"$tmp/plain.err"
check "dedup on a catalogue without hashes exits 1" test $? -eq 1
check "and says to rebuild with --hash-images" grep -qx \
  "chexinstruct: error: no image of the catalogue has hashes: rebuild it with 'chexinstruct build --hash-images'" \
  "$tmp/plain.err"
"$cx" --catalogue "$tmp/demo.db" build --sources sources/ --only "$frozen" --no-image-check --hash-images 2>/dev/null
check "--hash-images with --no-image-check exits 2" test $? -eq 2

# --- the band search finds every pair an all-pairs scan finds --------------
check "dedup's near pairs at thresholds 0-5 are those of an all-pairs scan" python3 -c '
import itertools, json, sqlite3, subprocess, sys
cx, db = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(db).execute(
    "SELECT d.name, i.key, i.pixel_hash, i.dhash FROM image i JOIN dataset d"
    " ON i.dataset_id = d.id ORDER BY d.name, i.key").fetchall()
first = {}
for name, key, p, h in rows:
    first.setdefault(p, (name, key, h & (2**64 - 1)))
reps = sorted(first.values())
for t in range(6):
    want = sorted((a[0], a[1], b[0], b[1]) for a, b in itertools.combinations(reps, 2)
                  if bin(a[2] ^ b[2]).count("1") <= t)
    out = json.loads(subprocess.check_output([cx, "--catalogue", db, "dedup", "--json",
                                              "--threshold", str(t)]))
    got = sorted((p["a"]["dataset"], p["a"]["key"], p["b"]["dataset"], p["b"]["key"])
                 for p in out["near"])
    assert got == want, (t, len(got), len(want))
    assert out["threshold"] == t and out["images"] == 48 and out["unhashed"] == 0
' "$cx" "$tmp/demo.db"

# --- one image copied across two sources, one re-encoded -------------------
# VQA-RAD's synpic30224.jpg replaced by SLAKE's xmlab202 image (the same
# bytes: an exact pair across datasets), and SLAKE's xmlab203 replaced by
# xmlab201 decoded and saved again as a quality-60 JPEG (other pixels, same
# picture: a near pair).
mkdir -p "$tmp/dup"
cp -r sources/vqa-rad sources/slake "$tmp/dup/"
cp sources/slake/imgs/xmlab202/source.jpg "$tmp/dup/vqa-rad/VQA_RAD Image Folder/synpic30224.jpg"
djpeg -grayscale sources/slake/imgs/xmlab201/source.jpg | cjpeg -quality 60 -grayscale \
  >"$tmp/dup/slake/imgs/xmlab203/source.jpg"
"$cx" --catalogue "$tmp/dup.db" build --sources "$tmp/dup" --hash-images >/dev/null 2>&1
check "build --hash-images on the copy exits 0" test $? -eq 0
"$cx" --catalogue "$tmp/dup.db" dedup >"$tmp/dup.txt"
check "dedup exits 0" test $? -eq 0
cat >"$tmp/dup.want" <<'WANT'
images with hashes: 6

exact duplicates (same decoded pixels): 1
  SLAKE xmlab202/source.jpg (no split)  =  VQA-RAD synpic30224.jpg (no split)

near duplicates (dHash distance <= 1): 1
   0  SLAKE xmlab201/source.jpg (no split)  ~  SLAKE xmlab203/source.jpg (no split)
WANT
check "dedup finds the exact pair and the near pair, nothing else" diff -u "$tmp/dup.want" "$tmp/dup.txt"
check "the re-encoded image has other pixels (not an exact pair)" test "$(sqlite3 "$tmp/dup.db" \
  "SELECT count(DISTINCT pixel_hash) FROM image i JOIN dataset d ON i.dataset_id = d.id
   WHERE d.source = 'slake' AND key IN ('xmlab201/source.jpg', 'xmlab203/source.jpg')")" = 2
"$cx" --catalogue "$tmp/dup.db" dedup --json >"$tmp/dup.json"
check "dedup --json gives the same pairs" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["threshold"] == 1 and d["images"] == 6 and d["unhashed"] == 0, d
assert d["exact"] == [{"a": {"dataset": "SLAKE", "key": "xmlab202/source.jpg", "split": ""},
                       "b": {"dataset": "VQA-RAD", "key": "synpic30224.jpg", "split": ""}}], d
assert d["near"] == [{"distance": 0,
                      "a": {"dataset": "SLAKE", "key": "xmlab201/source.jpg", "split": ""},
                      "b": {"dataset": "SLAKE", "key": "xmlab203/source.jpg", "split": ""}}], d
' "$tmp/dup.json"
"$cx" --catalogue "$tmp/dup.db" dedup --threshold 65 2>/dev/null
check "--threshold over 64 exits 2" test $? -eq 2

# --- an image that does not decode under --hash-images ----------------------
cp -r "$tmp/dup/slake" "$tmp/bad-slake"
mkdir -p "$tmp/bad" && mv "$tmp/bad-slake" "$tmp/bad/slake"
# A JPEG header that the probe accepts, with its scan data cut off.
head -c 400 sources/slake/imgs/xmlab202/source.jpg >"$tmp/bad/slake/imgs/xmlab202/source.jpg"
"$cx" --catalogue "$tmp/bad.db" build --sources "$tmp/bad" --hash-images >/dev/null 2>&1
check "a truncated image does not stop the build" test $? -eq 0
check "it is rejected as unreadable, and its image row removed" test "$(sqlite3 "$tmp/bad.db" \
  "SELECT (SELECT count(*) FROM reject WHERE file = 'imgs/xmlab202/source.jpg'
             AND reason LIKE 'unreadable image: %')
          || (SELECT count(*) FROM image WHERE key = 'xmlab202/source.jpg')")" = 10

tap_done
