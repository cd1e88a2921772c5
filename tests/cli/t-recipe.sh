#!/usr/bin/env bash
# t-recipe.sh - `chexinstruct recipe`: one file describing a run (sources,
# build settings, catalogue, shard sets) and one command that builds and
# shards it, skipping what is up to date and saying why. A recipe over three
# demo releases writes a train set (mix file) and a test set (webdataset),
# byte-identical to build and shard run by hand; a rerun skips both; a
# release whose content changes rebuilds its source and both sets; a file
# touched with no change rebuilds its source and keeps both sets; a changed
# mix, seed or missing shard rewrites that set only; a moved sources folder
# keeps everything; a source dropped from the recipe rebuilds the catalogue
# anew; --dry-run changes nothing; bad recipes fail with one line naming the
# file and the key, or the line and column. Prints TAP. Run from the
# repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
mkdir -p "$tmp/r/data"
cp -r sources/vqa-rad sources/slake sources/nih-chestxray14 "$tmp/r/data/"
cat >"$tmp/r/recipe.json" <<'EOF'
{"description": "three demo releases",
 "sources": "data", "catalogue": "cx.db", "out": "out",
 "build": {"seed": 0, "only": ["nih-chestxray14", "vqa-rad", "slake"]},
 "defaults": {"seed": 3},
 "shards": {"train": {"mix": "mix.json"},
            "test": {"format": "webdataset", "min_shards": 2,
                     "mix": {"dataset": {"ChestX-ray14": 0}}}}}
EOF
echo '{"dataset": {"VQA-RAD": 2}}' >"$tmp/r/mix.json"
rc() { (cd "$tmp/r" && "$cx" recipe "$@"); }
same() { # same WHAT EXPECTED-FILE ACTUAL-FILE
  if diff "$2" "$3" >"$tmp/diff.out"; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' "$tmp/diff.out" | head -20; fi
}
# sums DIR: every file's checksum (a set's content, whatever its times)
sums() { (cd "$1" && find . -type f | sort | xargs md5sum); }

rc recipe.json >"$tmp/first.out" 2>"$tmp/first.err"
check "a first run builds and shards (exit 0)" test $? -eq 0
cat >"$tmp/want" <<'EOF'
catalogue cx.db: build 3 sources (no catalogue yet)
found    nih-chestxray14   data/nih-chestxray14
found    vqa-rad           data/vqa-rad
found    slake             data/slake
source                 rows      kept  rejected  filtered   images instances
nih-chestxray14          16        16         0         0       10        16
vqa-rad                  14        11         0         3        3        11
slake                    22        12         0        10        3        12
shards train: write out/train (no shard set yet)
out/train: 19 records, 1 shards, 53193 bytes (train, native); 8 left out (leakage.json)
shards test: write out/test (no shard set yet)
out/test: 8 records, 2 shards, 40960 bytes (test, webdataset); 0 left out (leakage.json)
recipe recipe.json: built 3 of 3 sources, wrote 2 of 2 shard sets
EOF
same "  it says what it builds and writes, and why" "$tmp/want" "$tmp/first.out"
check "  and nothing on stderr" test ! -s "$tmp/first.err"

# the same work by hand: build, then shard each set with the recipe's settings
(cd "$tmp/r" && "$cx" --catalogue hand.db build --sources data --only nih-chestxray14,vqa-rad,slake \
  && "$cx" --catalogue hand.db shard --out hand/train --split train --mix mix.json --seed 3 \
  && echo '{"dataset": {"ChestX-ray14": 0}}' >test-mix.json \
  && "$cx" --catalogue hand.db shard --out hand/test --split test --mix test-mix.json --seed 3 \
       --format webdataset --min-shards 2) >/dev/null 2>&1
sums "$tmp/r/out/train" >"$tmp/a"; sums "$tmp/r/hand/train" >"$tmp/b"
same "the train set is byte-identical to build and shard run by hand" "$tmp/b" "$tmp/a"
sums "$tmp/r/out/test" >"$tmp/a"; sums "$tmp/r/hand/test" >"$tmp/b"
same "the test set (an inline mix) too" "$tmp/b" "$tmp/a"
rm -rf "$tmp/r/hand" "$tmp/r/hand.db" "$tmp/r/test-mix.json"

sums "$tmp/r/out" >"$tmp/sets0"
rc recipe.json >"$tmp/again.out" 2>&1
cat >"$tmp/want" <<'EOF'
catalogue cx.db: up to date (3 sources)
shards train: up to date (out/train: 19 records)
shards test: up to date (out/test: 8 records)
recipe recipe.json: up to date, nothing to do
EOF
same "a rerun skips the build and both sets, and says so" "$tmp/want" "$tmp/again.out"
cp "$tmp/r/cx.db" "$tmp/cx0.db"

# a kept VQA-RAD answer changed: --dry-run first, then the run
python3 - "$tmp/r/data/vqa-rad/VQA_RAD Dataset Public.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d[3]["answer"] == "Left pleural space"
d[3]["answer"] = "Right pleural space"
json.dump(d, open(sys.argv[1], "w"))
PY
rc recipe.json --dry-run >"$tmp/dry.out" 2>&1
cat >"$tmp/want" <<'EOF'
catalogue cx.db: build 1 of 3 sources: vqa-rad (its release changed)
shards train: up to date unless the build changes the catalogue's content (out/train: 19 records)
shards test: up to date unless the build changes the catalogue's content (out/test: 8 records)
recipe recipe.json: dry run: would build 1 of 3 sources, write 0 of 2 shard sets
EOF
same "--dry-run after a release changed: the source to build, and why" "$tmp/want" "$tmp/dry.out"
check "  and changes nothing" cmp "$tmp/cx0.db" "$tmp/r/cx.db"
sums "$tmp/r/out" >"$tmp/sets1"
same "  (the sets neither)" "$tmp/sets0" "$tmp/sets1"
rc recipe.json >"$tmp/edit.out" 2>&1
cat >"$tmp/want" <<'EOF'
catalogue cx.db: build 1 of 3 sources: vqa-rad (its release changed)
found    vqa-rad           data/vqa-rad
source                 rows      kept  rejected  filtered   images instances
vqa-rad                  14        11         0         3        3        11
shards train: write out/train (catalogue content changed)
out/train: 19 records, 1 shards, 53195 bytes (train, native); 8 left out (leakage.json)
shards test: write out/test (catalogue content changed)
out/test: 8 records, 2 shards, 40960 bytes (test, webdataset); 0 left out (leakage.json)
recipe recipe.json: built 1 of 3 sources, wrote 2 of 2 shard sets
EOF
same "a release's content changed: its source is built again, then both sets" "$tmp/want" "$tmp/edit.out"

# a file touched, its content the same: the source is built again, to the
# same content, and the sets stay
sums "$tmp/r/out" >"$tmp/sets0"
touch -d '2001-01-01 00:00:00' "$tmp/r/data/slake/train.json"
rc recipe.json >"$tmp/touch.out" 2>&1
cat >"$tmp/want" <<'EOF'
catalogue cx.db: build 1 of 3 sources: slake (its release changed)
found    slake             data/slake
source                 rows      kept  rejected  filtered   images instances
slake                    22        12         0        10        3        12
shards train: up to date (out/train: 19 records)
shards test: up to date (out/test: 8 records)
recipe recipe.json: built 1 of 3 sources, wrote 0 of 2 shard sets
EOF
same "a file touched without a change: its source is built again, the sets are kept" "$tmp/want" "$tmp/touch.out"
sums "$tmp/r/out" >"$tmp/sets1"
same "  untouched" "$tmp/sets0" "$tmp/sets1"

# one set's mix changed: that set only
echo '{"dataset": {"VQA-RAD": 3}}' >"$tmp/r/mix.json"
sums "$tmp/r/out/test" >"$tmp/test0"
rc recipe.json >"$tmp/mix.out" 2>&1
cat >"$tmp/want" <<'EOF'
catalogue cx.db: up to date (3 sources)
shards train: write out/train (mix changed)
out/train: 23 records, 1 shards, 59070 bytes (train, native); 8 left out (leakage.json)
shards test: up to date (out/test: 8 records)
recipe recipe.json: built 0 of 3 sources, wrote 1 of 2 shard sets
EOF
same "one set's mix changed: only that set is written again" "$tmp/want" "$tmp/mix.out"
sums "$tmp/r/out/test" >"$tmp/test1"
same "  the other is untouched" "$tmp/test0" "$tmp/test1"

# the recipe's seed of one set, and a shard of the other removed
sed -i 's/"test": {"format"/"test": {"seed": 4, "format"/' "$tmp/r/recipe.json"
rm "$tmp/r/out/train/shard-000000.cxs"
rc recipe.json --dry-run >"$tmp/seed.out" 2>&1
cat >"$tmp/want" <<'EOF'
catalogue cx.db: up to date (3 sources)
shards train: write out/train (shard shard-000000.cxs missing or changed)
shards test: write out/test (seed changed)
recipe recipe.json: dry run: would build 0 of 3 sources, write 2 of 2 shard sets
EOF
same "a set's seed changed, a shard of another missing: both, each with its reason" "$tmp/want" "$tmp/seed.out"
rc recipe.json >/dev/null 2>&1
check "  and the run writes them" "$cx" verify "$tmp/r/out/train"

# the sources folder moved (its files' times kept): nothing to build; the
# catalogue records the new place, and shard reads from it
mv "$tmp/r/data" "$tmp/r/moved"
sed -i 's/"sources": "data"/"sources": "moved"/' "$tmp/r/recipe.json"
rc recipe.json >"$tmp/moved.out" 2>&1
cat >"$tmp/want" <<'EOF'
catalogue cx.db: up to date (3 sources)
catalogue cx.db: nih-chestxray14 is now read from moved/nih-chestxray14 (the same files): its place is updated
catalogue cx.db: vqa-rad is now read from moved/vqa-rad (the same files): its place is updated
catalogue cx.db: slake is now read from moved/slake (the same files): its place is updated
shards train: up to date (out/train: 23 records)
shards test: up to date (out/test: 8 records)
recipe recipe.json: up to date, nothing to do
EOF
same "a moved sources folder: nothing built, each new place recorded" "$tmp/want" "$tmp/moved.out"
(cd "$tmp/r" && "$cx" --catalogue cx.db shard --out o2 --split train --mix mix.json --seed 3) >/dev/null 2>&1
check "  shard then reads the releases there" cmp "$tmp/r/o2/shard-000000.cxs" "$tmp/r/out/train/shard-000000.cxs"

# a source the recipe no longer builds: the catalogue is built anew
sed -i 's/"only": \["nih-chestxray14", /"only": [/; s/"ChestX-ray14": 0/"SLAKE": 0/' "$tmp/r/recipe.json"
rc recipe.json >"$tmp/drop.out" 2>&1
check "a source dropped from the recipe (exit 0)" test $? -eq 0
check "  builds the catalogue anew, saying why" test "$(head -1 "$tmp/drop.out")" = \
  "catalogue cx.db: build 2 sources into a new catalogue (it holds nih-chestxray14, which the recipe does not build)"
check "  leaving no scratch catalogue" test ! -e "$tmp/r/cx.db.new"
check "  and the catalogue without it" test "$(sqlite3 "$tmp/r/cx.db" 'SELECT group_concat(source) FROM (SELECT source FROM dataset ORDER BY source)')" = "slake,vqa-rad"
check "  both sets written again (catalogue content changed)" test "$(grep -c '^shards .*: write .*catalogue content changed' "$tmp/drop.out")" -eq 2

# bad recipes: one line naming the file and the key, or the line and column; exit 1
bad() { # bad WHAT RECIPE-TEXT EXPECTED-STDERR
  printf '%s\n' "$2" >"$tmp/r/bad.json"
  rc bad.json >"$tmp/bad.out" 2>"$tmp/bad.err"
  local st=$?
  if [ $st -eq 1 ] && [ "$(cat "$tmp/bad.err")" = "$3" ] && [ ! -s "$tmp/bad.out" ]; then ok "$1"
  else not_ok "$1"; echo "#   exit $st: $(cat "$tmp/bad.err")"; fi
}
good='"sources": "moved", "catalogue": "cx.db", "out": "out"'
bad "a syntax error: its line and column" "{$good,
 \"shards\": {\"train\": {\"seed\": 1,}}}" \
  "chexinstruct: error: recipe 'bad.json': not valid JSON (syntax error on line 2, column 34)"
bad "an unknown key: its path, and the keys known there" "{$good, \"shards\": {\"train\": {\"mixx\": \"mix.json\"}}}" \
  "chexinstruct: error: recipe 'bad.json': unknown key 'shards.train.mixx' (split, mix, seed, format, max_bytes, max_records, min_shards, image, access, allow_short_mix)"
bad "an unknown top-level key" "{$good, \"shard\": {}}" \
  "chexinstruct: error: recipe 'bad.json': unknown key 'shard' (description, sources, catalogue, out, templates, build, defaults, shards)"
bad "a key given twice" "{$good, \"shards\": {\"train\": {\"seed\": 1, \"seed\": 2}}}" \
  "chexinstruct: error: recipe 'bad.json': key 'shards.train.seed' is given twice"
bad "a missing sources folder" '{"sources": "nowhere", "catalogue": "cx.db", "out": "out", "shards": {"train": {}}}' \
  "chexinstruct: error: recipe 'bad.json': sources: no folder or release 'nowhere' (No such file or directory)"
bad "no sources key" '{"catalogue": "cx.db", "out": "out", "shards": {"train": {}}}' \
  "chexinstruct: error: recipe 'bad.json': sources: missing"
bad "a set with no split" "{$good, \"shards\": {\"vqa\": {}}}" \
  "chexinstruct: error: recipe 'bad.json': shards.vqa.split: missing (the name is not train, val or test)"
bad "a wrong value" "{$good, \"shards\": {\"train\": {\"image\": {\"size\": 0}}}}" \
  "chexinstruct: error: recipe 'bad.json': shards.train.image.size: not a whole number from 1 to 16384"
bad "min_shards for a native set" "{$good, \"shards\": {\"train\": {\"min_shards\": 2}}}" \
  "chexinstruct: error: recipe 'bad.json': shards.train.min_shards: only for the webdataset format"
bad "an unknown source" "{$good, \"build\": {\"only\": [\"vqarad\"]}, \"shards\": {\"train\": {}}}" \
  "chexinstruct: error: recipe 'bad.json': build.only: unknown source 'vqarad'; known sources: $(sed -n 's/^\([a-z0-9-]*\)$/\1/p' builder/adapters/sources.list | paste -sd, - | sed 's/,/, /g')"
printf '{"total": 1' >"$tmp/r/bad-mix.json"
bad "a mix file with a syntax error: the mix's line and column" "{$good, \"shards\": {\"train\": {\"mix\": \"bad-mix.json\"}}}" \
  "chexinstruct: error: mix 'bad-mix.json': not valid JSON (syntax error on line 1, column 12)"
(cd "$tmp/r" && "$cx" --catalogue x.db recipe recipe.json) >/dev/null 2>"$tmp/usage.err"
check "--catalogue with recipe is a usage error (exit 2)" test $? -eq 2
check "  saying the recipe names its catalogue" grep -q "the recipe names its catalogue" "$tmp/usage.err"
check "recipe --help" "$cx" recipe --help
tap_done
