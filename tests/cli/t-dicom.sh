#!/usr/bin/env bash
# t-dicom.sh - hostile DICOM files placed as images of a release (issue 10,
# defects 1-3), end to end: a copy of the SLAKE demo release whose three
# images in use are files of tests/fixtures/image/regressions/ under .jpg
# names (the format comes from the bytes). The header probe of `build`
# rejects two with their reasons; the third passes every check and kills
# GDCM when decoded, which costs that one image in `build --hash-images` and
# in `shard --image-size`, named with the reason, and both exit 0. Prints TAP.
set -u
. "$(dirname "$0")/tap.sh"
fix=tests/fixtures/image/regressions
mkdir -p "$tmp/src"
cp -r sources/slake "$tmp/src/"
cp "$fix/probe-alloc.dcm" "$tmp/src/slake/imgs/xmlab201/source.jpg"
cp "$fix/dicm-only.dcm" "$tmp/src/slake/imgs/xmlab202/source.jpg"
cp "$fix/decode-assert-jpeg.dcm" "$tmp/src/slake/imgs/xmlab203/source.jpg"
died="DICOM: the decoder process died on this file (killed by signal 6 (a GDCM assertion))"

rejects() { # the image rejects of a catalogue, one "file|reason" a line
  python3 -c '
import sqlite3, sys
for f, r in sqlite3.connect(sys.argv[1]).execute("SELECT file, reason FROM reject ORDER BY file"):
    print(f + "|" + r)' "$1"
}

"$cx" --catalogue "$tmp/d.db" build --sources "$tmp/src" --only slake >"$tmp/build.out" 2>&1
check "build with hostile DICOMs as images exits 0" test $? -eq 0
rejects "$tmp/d.db" >"$tmp/rejects"
cat >"$tmp/want" <<'TXT'
imgs/xmlab201/source.jpg|unreadable image: truncated or damaged DICOM (element at byte 386)
imgs/xmlab202/source.jpg|unreadable image: DICOM file meta without a transfer syntax
TXT
check "the header probe rejects two, with their reasons" diff "$tmp/want" "$tmp/rejects"

"$cx" --catalogue "$tmp/d.db" shard --out "$tmp/out" --split test --image-size 32 \
  >"$tmp/shard.out" 2>"$tmp/shard.err"
check "shard --image-size exits 0 when GDCM dies on an image" test $? -eq 0
check "and names the image and the reason on one line" grep -qx \
  "chexinstruct shard: image 'imgs/xmlab203/source.jpg' not decoded: $died" \
  "$tmp/shard.err"
check "its instances are left out as image-unreadable" python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))
assert l["reasons"] == {"image-unreadable": 3}, l["reasons"]' "$tmp/out/leakage.json"
check "verify passes on the output" "$cx" verify "$tmp/out"
# Plan first: a mix that chooses no record decodes no image (issue 14, point 1).
echo '{"total": 0}' >"$tmp/none.json"
"$cx" --catalogue "$tmp/d.db" shard --out "$tmp/none" --split test --image-size 32 \
  --mix "$tmp/none.json" >/dev/null 2>"$tmp/none.err"
check "shard --image-size with a mix of 0 records decodes nothing (no 'not decoded' line)" \
  sh -c "test $? -eq 0 && test ! -s '$tmp/none.err'"

"$cx" --catalogue "$tmp/h.db" build --sources "$tmp/src" --only slake --hash-images \
  >"$tmp/hash.out" 2>&1
check "build --hash-images exits 0 when GDCM dies on an image" test $? -eq 0
rejects "$tmp/h.db" >"$tmp/rejects"
echo "imgs/xmlab203/source.jpg|unreadable image: $died" >>"$tmp/want"
check "and rejects it with the reason, after the header probe's two" diff "$tmp/want" "$tmp/rejects"
tap_done
