#!/usr/bin/env bash
# t-sources.sh - releases that move: the catalogue records where each release
# was read (absolute path, the folder build ran in), so shard runs from any
# folder; shard --sources DIR reads a moved copy after checking it by the
# content fingerprint, and refuses a different one. Prints TAP. Run from the
# repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
root=$PWD
mkdir "$tmp/A" "$tmp/elsewhere" "$tmp/scratch"
export TMPDIR="$tmp/scratch"   # where --sources builds its scratch catalogue
for s in ${frozen//,/ }; do cp -r "sources/$s" "$tmp/A/"; done
db="$tmp/m.db"
(cd "$tmp" && "$cx" --catalogue "$db" build --sources A >/dev/null 2>&1)
check "build from a relative --sources exits 0" test $? -eq 0
check "the catalogue records each release as named, its absolute path and the build folder" \
  test "$(sqlite3 "$db" "SELECT group_concat(source || ' ' || release || ' ' || release_path || ' ' ||
    build_dir, '|') FROM (SELECT * FROM dataset ORDER BY source)")" = \
  "$(for s in $(echo ${frozen//,/ } | tr ' ' '\n' | sort); do printf '%s A/%s %s/A/%s %s|' $s $s "$tmp" $s "$tmp"; done | sed 's/|$//')"

shd() { "$cx" --catalogue "$db" shard "$@"; }
(cd "$tmp" && shd --out o-build --split train >/dev/null 2>&1)
check "shard in the folder build ran in exits 0" test -f "$tmp/o-build/manifest.json"
(cd "$tmp/elsewhere" && shd --out o-other --split train >/dev/null 2>&1)
check "shard from another folder gives the same bytes" sh -c "
  cmp '$tmp/o-build/shard-000000.cxs' '$tmp/elsewhere/o-other/shard-000000.cxs' &&
  cmp '$tmp/o-build/manifest.json' '$tmp/elsewhere/o-other/manifest.json'"
(cd "$root" && shd --out "$tmp/o-root" --split val >/dev/null 2>&1)
check "and from the repository root, another split" "$cx" verify "$tmp/o-root"

mv "$tmp/A" "$tmp/B"
(cd "$tmp" && shd --out o-gone --split train >/dev/null 2>"$tmp/gone.err")
check "once the releases moved, shard fails (exit 1)" test $? -eq 1
check "  saying where it looked and how to point at the copy" test "$(cat "$tmp/gone.err")" = \
  "chexinstruct: error: cannot open release '$tmp/A/chexpert': no such file or folder (if the releases moved, give their new folder: shard --sources DIR)"
(cd "$tmp/elsewhere" && shd --out o-moved --split train --sources ../B >/dev/null 2>"$tmp/moved.err")
check "shard --sources ../B (relative, from another folder) exits 0" test $? -eq 0
check "  and gives the bytes of the shards made before the move" sh -c "
  cmp '$tmp/o-build/shard-000000.cxs' '$tmp/elsewhere/o-moved/shard-000000.cxs' &&
  cmp '$tmp/o-build/manifest.json' '$tmp/elsewhere/o-moved/manifest.json' &&
  cmp '$tmp/o-build/leakage.json' '$tmp/elsewhere/o-moved/leakage.json'"
check "  leaving no scratch catalogue behind" test -z "$(ls -A "$tmp/scratch")"

# a different copy: one kept VQA-RAD answer changed
cp -r "$tmp/B" "$tmp/C"
key=$(sqlite3 "$db" "SELECT q.key FROM qa q JOIN dataset d ON d.id = q.dataset_id
  WHERE d.source = 'vqa-rad' ORDER BY CAST(q.key AS INTEGER) LIMIT 1")
python3 - "$tmp/C/vqa-rad/VQA_RAD Dataset Public.json" "$key" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for r in d:
    if str(r["qid"]) == sys.argv[2]:
        r["answer"], n = r["answer"] + " (edited)", n + 1
assert n == 1, n
json.dump(d, open(sys.argv[1], "w"))
PY
(cd "$tmp" && "$cx" --catalogue c.db build --sources C >/dev/null 2>&1)
fp_c=$(cd "$tmp" && "$cx" --catalogue c.db shard --out o-c --split val >/dev/null 2>&1 &&
  python3 -c 'import json; print(json.load(open("o-c/manifest.json"))["catalogue_fingerprint"])')
fp_m=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["catalogue_fingerprint"])' \
  "$tmp/o-build/manifest.json")
(cd "$tmp" && shd --out o-diff --split train --sources C >/dev/null 2>"$tmp/diff.err")
check "a different copy is refused (exit 1)" test $? -eq 1
check "  with one line giving both content fingerprints" test "$(cat "$tmp/diff.err")" = \
  "chexinstruct: error: --sources C: not the releases this catalogue was built from (their content fingerprint is $fp_c, the catalogue's $fp_m): point --sources at a copy of those releases, or build a catalogue from these"
check "  writing nothing" test ! -e "$tmp/o-diff"
check "  and no scratch catalogue left" test -z "$(ls -A "$tmp/scratch")"
mkdir "$tmp/D"
cp -r "$tmp/B/vqa-rad" "$tmp/D/"
(cd "$tmp" && shd --out o-part --split train --sources D >/dev/null 2>"$tmp/part.err")
check "a copy missing sources is refused (exit 1), naming them" test "$?:$(cat "$tmp/part.err")" = \
  "1:chexinstruct: error: --sources D: no release of mimic-cxr, chexpert, nih-chestxray14, openi, slake there (every source of the catalogue needs its copy)"
tap_done
