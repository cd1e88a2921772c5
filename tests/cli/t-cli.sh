#!/usr/bin/env bash
# t-cli.sh - black-box tests of the chexinstruct command line on the demo
# releases and on broken copies of them. Prints TAP. Run from the repository
# root with the binary as $1. CX_UPDATE_GOLDEN=1 rewrites tests/golden/cli/.
set -u
. "$(dirname "$0")/tap.sh"
golden=tests/golden/cli
same_as_golden() { # same_as_golden WHAT FILE GOLDEN
  if [ -n "${CX_UPDATE_GOLDEN:-}" ]; then cp "$2" "$golden/$3"; fi
  if diff -u "$golden/$3" "$2" >"$tmp/diff.out"; then ok "$1"; else
    not_ok "$1"; sed 's/^/#   /' "$tmp/diff.out" | head -30; fi
}

db="$tmp/demo.db"

# --- the demo build (the frozen fixture set, tap.sh) -------------------------
"$cx" --catalogue "$db" build --sources sources/ --only "$frozen" >"$tmp/build.out" 2>"$tmp/build.err"
check "build on the demo sources exits 0" test $? -eq 0
check "build is silent on stderr when stderr is not a terminal" test ! -s "$tmp/build.err"
same_as_golden "build prints what it found and kept" "$tmp/build.out" build.txt
check "the demo sources build with zero rejects" \
  awk '$1 != "found" && $1 != "missing" && $1 != "source" && $4 != 0 { exit 1 }' "$tmp/build.out"

sqlite3 "$db" "SELECT source, coalesce(vocab, '-') FROM dataset ORDER BY source;
  SELECT v.name, v.title, v.absent, count(*), sum(l.role = 'none'), sum(l.role = 'other')
  FROM vocab v JOIN vocab_label l ON l.vocab = v.name GROUP BY v.name ORDER BY v.name;
  SELECT name, display, noun, plural, article, uncertain FROM vocab_label
  WHERE (vocab, ord) IN (VALUES ('chestxray14', 12), ('chexpert', 10))" >"$tmp/vocab.out"
cat >"$tmp/vocab.want" <<'EOF2'
chexpert|chexpert
mimic-cxr|chexpert
nih-chestxray14|chestxray14
openi|-
slake|-
vqa-rad|-
chestxray14|ChestX-ray14|negative|15|1|0
chexpert|CheXpert|negative|14|1|1
Pleural_Thickening|Pleural Thickening|pleural thickening|pleural thickenings||-1
Pleural Effusion|Pleural Effusion|pleural effusion|pleural effusions|a|1
EOF2
check "the catalogue holds each source's label vocabulary, once per vocabulary, with its forms" \
  diff "$tmp/vocab.want" "$tmp/vocab.out"

"$cx" --catalogue "$db" stats >"$tmp/stats.txt"
same_as_golden "stats table" "$tmp/stats.txt" stats.txt
"$cx" --catalogue "$db" stats --json >"$tmp/stats.json"
same_as_golden "stats --json" "$tmp/stats.json" stats.json
check "every source: rows read = kept + rejected + filtered" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(s["source"] for s in d["datasets"]) == sorted(sys.argv[2].split(",")), d["datasets"]
for s in d["datasets"]:
    assert s["rows_read"] == s["rows_kept"] + s["rows_rejected"] + s["rows_filtered"], s
    assert s["rows_filtered"] == sum(s["filtered"].values()), s
' "$tmp/stats.json" "$frozen"
check "stats counts the patients of studies too: OpenI's 5 (study CXR7 has no image)" python3 -c '
import json, sys
d = {s["source"]: s for s in json.load(open(sys.argv[1]))["datasets"]}
assert (d["openi"]["patients"], d["openi"]["studies"], d["openi"]["images"]) == (5, 5, 7), d["openi"]
' "$tmp/stats.json"
"$cx" --catalogue "$db" tasks --json >"$tmp/tasks.json"
same_as_golden "tasks --json" "$tmp/tasks.json" tasks.json
check "tasks --json is valid JSON with five capabilities" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [c["capability"] for c in d] == ["coarse-image-understanding",
  "fine-image-understanding", "text-generation", "question-answering", "miscellaneous"], d
' "$tmp/tasks.json"
"$cx" --catalogue "$db" tasks >"$tmp/tasks.txt"
same_as_golden "tasks tree" "$tmp/tasks.txt" tasks.txt

# --- sample ---------------------------------------------------------------
"$cx" --catalogue "$db" sample --task vqa -n 4 --seed 1 >"$tmp/vqa.txt"
same_as_golden "sample --task vqa" "$tmp/vqa.txt" sample-vqa.txt
check "sample --task vqa shows VQA-RAD and SLAKE" \
  sh -c "grep -q 'VQA-RAD' '$tmp/vqa.txt' && grep -q 'SLAKE' '$tmp/vqa.txt'"
"$cx" --catalogue "$db" sample --task vqa -n 4 --seed 1 >"$tmp/vqa2.txt"
check "sample is deterministic" cmp "$tmp/vqa.txt" "$tmp/vqa2.txt"
"$cx" --catalogue "$db" sample --task classification --dataset MIMIC-CXR --split train \
  -n 2 --json >"$tmp/cls.json"
same_as_golden "sample --json with filters" "$tmp/cls.json" sample-classification.json
check "sample --json gives two MIMIC-CXR train instances" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 2 and all(x["dataset"] == "MIMIC-CXR" and x["split"] == "train" for x in d), d
' "$tmp/cls.json"
"$cx" --catalogue "$db" sample --task nosuchtask >"$tmp/unknown.out" 2>"$tmp/unknown.err"
check "sample of an unknown task exits 2" test $? -eq 2
# the known names come in the catalogue's entry order, once each
{ printf '%s' "chexinstruct: error: sample: no task matches 'nosuchtask'; known tasks: "
  printf '%s' "image-classification, view-classification, view-matching, findings-generation, "
  printf '%s' "impression-generation, findings-summarization, image-text-matching, "
  printf '%s\n' "image-text-selection, abnormality-grounding, open-ended-vqa, close-ended-vqa"
} >"$tmp/unknown.want"
check "and says so in one line with the known tasks" cmp "$tmp/unknown.err" "$tmp/unknown.want"
check "and prints nothing on stdout" test ! -s "$tmp/unknown.out"
"$cx" --catalogue "$db" sample --task vqa --dataset PadChest >"$tmp/unknown.out" \
  2>"$tmp/unknown.err"
check "sample of an unknown dataset exits 2 (not 0 with 'no instances match')" test $? -eq 2
{ printf '%s' "chexinstruct: error: sample: no dataset 'PadChest'; known datasets: "
  printf '%s' "MIMIC-CXR (mimic-cxr), CheXpert (chexpert), ChestX-ray14 (nih-chestxray14), "
  printf '%s\n' "OpenI (openi), VQA-RAD (vqa-rad), SLAKE (slake)"
} >"$tmp/unknown.want"
check "and says so in one line with the known datasets" cmp "$tmp/unknown.err" "$tmp/unknown.want"
"$cx" --catalogue "$db" sample --task vqa --dataset slake -n 1 >/dev/null 2>"$tmp/unknown.err"
check "a dataset named by its source id is known" test $? -eq 0 -a ! -s "$tmp/unknown.err"
"$cx" --catalogue "$db" sample --task vqa --dataset MIMIC-CXR >"$tmp/unknown.out" \
  2>"$tmp/unknown.err"
check "known names with nothing in common exit 0" test $? -eq 0
check "and say no instances match" grep -qx "chexinstruct: no instances match" "$tmp/unknown.err"
"$cx" --catalogue "$db" sample --task vqa --split dev 2>"$tmp/unknown.err"
check "sample of an unknown split exits 2" test $? -eq 2
check "and names the known splits" \
  grep -qx "chexinstruct: sample: --split is train, val or test, not 'dev'" "$tmp/unknown.err"

# --- audit -----------------------------------------------------------------
# The demo passes every check. It has too few choice questions for the leak
# rule to call "No Finding" (right in 2 of 2 CheXpert choice questions, p
# 1/16) a leak: the fixtures of tests/unit/t-audit.c show that one.
"$cx" --catalogue "$db" audit >"$tmp/audit.txt"
check "audit of the demo exits 0" test $? -eq 0
same_as_golden "audit of the demo: the table, positions and findings" "$tmp/audit.txt" audit.txt
"$cx" --catalogue "$db" audit --json >"$tmp/audit.json"
check "audit --json is one JSON object: 19 entries, 112 instances, no failure" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failures"] == 0 and len(d["entries"]) == 19, d
assert sum(e["instances"] for e in d["entries"]) == 112, d
' "$tmp/audit.json"
"$cx" --catalogue "$db" audit --task vqa --split test >"$tmp/audit-vqa.txt"
check "audit --task vqa --split test: the four VQA entries, 8 instances" \
  grep -q "^audit: every check passed (4 entries, 8 instances)$" "$tmp/audit-vqa.txt"
"$cx" --catalogue "$db" audit --split nosuch 2>/dev/null
check "audit with a bad --split exits 2" test $? -eq 2
"$cx" --catalogue "$db" audit --task nosuchtask 2>"$tmp/audit-none.err"
check "audit of no instance exits 1" test $? -eq 1
cp "$db" "$tmp/flat.db"
sqlite3 "$tmp/flat.db" "UPDATE box SET x = 0, w = 0.01 WHERE id = (SELECT min(id) FROM box)"
"$cx" --catalogue "$tmp/flat.db" audit --task grounding >"$tmp/audit-flat.txt"
check "audit exits 1 on a box of zero area" test $? -eq 1
check "and names the entry, the count and the first instance" grep -qx \
  "box \[Abnormality Grounding\] \[ChestX-ray14\]: 1 of 6, first .*: a box of zero area" \
  "$tmp/audit-flat.txt"

# --- boxes: the frame, not the file (issue 11, defect 9) ----------------------
# The demo's NIH images are 64 x 64 copies; BBox_List is in the released
# 1024 x 1024 frame: 301.97,512.54 + 433.90 x 290.17 is (29,50),(72,78).
"$cx" --catalogue "$db" sample --task grounding -n 10 --json >"$tmp/ground.json"
check "grounding answers are normalised by the 1024 x 1024 frame, not the 64 px file" python3 -c '
import json, sys
d = {x["key"]: x["answer"] for x in json.load(open(sys.argv[1]))}
assert d["00000101_000.png|Cardiomegaly"] == "<box>(29,50),(72,78)</box>", d
assert d["00000103_000.png|Mass"] == "<box>(60,20),(70,30)</box>", d
' "$tmp/ground.json"
cp "$db" "$tmp/aspect.db"
sqlite3 "$tmp/aspect.db" "UPDATE image SET height = 48 WHERE key = '00000101_000.png'"
"$cx" --catalogue "$tmp/aspect.db" stats >"$tmp/aspect.txt"
check "stats counts an image whose file has not its boxes' frame's aspect ratio" grep -qx \
  "    boxes: 1 images whose file has not the aspect ratio of their boxes' frame (not rendered)" \
  "$tmp/aspect.txt"
"$cx" --catalogue "$tmp/aspect.db" audit --task grounding >"$tmp/aspect-audit.txt"
check "audit exits 1 on it" test $? -eq 1
check "and names the instance and the reason" grep -qx "render \[Abnormality Grounding\] \[ChestX-ray14\]: 1 of 6, first 00000101_000.png|Cardiomegaly: image 64x48 does not have the aspect ratio of its boxes' 1024x1024 frame" "$tmp/aspect-audit.txt"

# --- command line ---------------------------------------------------------
for c in build sample stats tasks audit; do
  "$cx" "$c" --help >"$tmp/help.out"
  check "$c --help exits 0 and prints usage" grep -q "^usage: chexinstruct" "$tmp/help.out"
done
"$cx" --version >"$tmp/version.out"
check "--version" grep -q "^chexinstruct [0-9]" "$tmp/version.out"
"$cx" frobnicate 2>/dev/null
check "an unknown command exits 2" test $? -eq 2
"$cx" build 2>/dev/null
check "build without --sources exits 2" test $? -eq 2
"$cx" --catalogue "$db" sample --task vqa -n many 2>/dev/null
check "a bad -n exits 2" test $? -eq 2
"$cx" --catalogue "$tmp/none.db" stats 2>"$tmp/none.err"
check "stats without a catalogue exits 1" test $? -eq 1
check "and says to build first" grep -q "run 'chexinstruct build' first" "$tmp/none.err"

# --- folders and archives --------------------------------------------------
# The same releases in their other form: the ones the demo keeps as folders
# packed as the archive users download (CheXpert's zip, a tar.gz for VQA-RAD
# and SLAKE), and the archives the demo keeps inside folders (MIMIC's reports
# zip, NIH's images_001.tar.gz, OpenI's two .tgz files) extracted in place.
mkdir -p "$tmp/alt"
(cd sources/chexpert && python3 -m zipfile -c "$tmp/alt/chexpert.zip" CheXpert-v1.0-small)
for id in vqa-rad slake; do
  tar --sort=name --mtime=@0 --owner=0 --group=0 -czf "$tmp/alt/$id.tar.gz" -C sources/$id .
done
for id in mimic-cxr nih-chestxray14 openi; do
  cp -r sources/$id "$tmp/alt/$id"
  for a in "$tmp/alt/$id"/*.zip "$tmp/alt/$id"/*.tgz "$tmp/alt/$id"/*.tar.gz; do
    [ -f "$a" ] || continue
    case "$a" in
      *.zip) python3 -m zipfile -e "$a" "$tmp/alt/$id" ;;
      *) tar -xzf "$a" -C "$tmp/alt/$id" ;;
    esac
    rm "$a"
  done
done
"$cx" --catalogue "$tmp/alt.db" build --sources "$tmp/alt" --only "$frozen" >"$tmp/alt.out" 2>&1
check "build on the other forms of the releases exits 0" test $? -eq 0
check "it finds all six" test "$(grep -c '^found' "$tmp/alt.out")" -eq 6
sqlite3 "$db" <tests/cli/canon.sql >"$tmp/canon-folder.txt"
sqlite3 "$tmp/alt.db" <tests/cli/canon.sql >"$tmp/canon-alt.txt"
check "folder form and archive form give identical catalogues" \
  cmp "$tmp/canon-folder.txt" "$tmp/canon-alt.txt"
check "the canonical dump is not empty" test "$(wc -l <"$tmp/canon-folder.txt")" -gt 100
# The schema has no unique index on (entry_id, key) (it cost a sort of every
# instance per build): the rules keep keys unique per entry by construction.
dupkeys="SELECT count(*) - count(DISTINCT entry_id || '|' || key) FROM instance"
check "instance keys are unique per entry, in both forms" \
  test "$(sqlite3 "$db" "$dupkeys")/$(sqlite3 "$tmp/alt.db" "$dupkeys")" = 0/0

# --- rebuilding one source ------------------------------------------------
cp "$db" "$tmp/rebuild.db"
"$cx" --catalogue "$tmp/rebuild.db" build --sources sources/ --only vqa-rad >/dev/null
sqlite3 "$tmp/rebuild.db" <tests/cli/canon.sql >"$tmp/canon-rebuild.txt"
check "rebuilding one source leaves the catalogue as it was" \
  cmp "$tmp/canon-folder.txt" "$tmp/canon-rebuild.txt"
"$cx" --catalogue "$tmp/rebuild.db" build --sources sources/ --only nosuch 2>/dev/null
check "--only with an unknown source exits 2" test $? -eq 2

# --- the catalogue fingerprint is a function of content ----------------------
# Rebuilding a source gives its rows new ids (and every row pointing at them
# new references); building the sources in another order numbers everything
# differently. The fingerprint a shard manifest records must not move; a
# changed answer or a changed pair partner must move it.
fp() { # fp CATALOGUE: the catalogue_fingerprint of a val shard of it
  rm -rf "$tmp/fp" && "$cx" --catalogue "$1" shard --out "$tmp/fp" --split val >/dev/null 2>&1 &&
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["catalogue_fingerprint"])' \
      "$tmp/fp/manifest.json"
}
fp_db=$(fp "$db")
check "a source rebuilt from the same release keeps the fingerprint" test "$(fp "$tmp/rebuild.db")" = "$fp_db"
"$cx" --catalogue "$tmp/order.db" build --sources sources/ --only slake,vqa-rad >/dev/null 2>&1
"$cx" --catalogue "$tmp/order.db" build --sources sources/ --only mimic-cxr,chexpert,nih-chestxray14,openi \
  >/dev/null 2>&1
check "so do the same sources built in another order" test "$(fp "$tmp/order.db")" = "$fp_db"
cp "$db" "$tmp/changed.db"
sqlite3 "$tmp/changed.db" "UPDATE qa SET answer = answer || '.' WHERE id = (SELECT min(id) FROM qa)"
check "a changed answer changes it" test "$(fp "$tmp/changed.db")" != "$fp_db"
cp "$db" "$tmp/changed2.db"
sqlite3 "$tmp/changed2.db" "UPDATE instance SET other_id = (SELECT max(id) FROM study)
  WHERE id = (SELECT min(n.id) FROM instance n JOIN entry e ON e.id = n.entry_id
              WHERE n.other_id IS NOT NULL AND n.other_id <> (SELECT max(id) FROM study)
              AND e.derive <> 'view-pairs')"
check "so does another study as an instance's pair partner" test "$(fp "$tmp/changed2.db")" != "$fp_db"

# --- two builds creating one new catalogue at once ----------------------------
# Both open the new file and find it empty; the schema is created under the
# write lock and looked at again there, so the second uses the first's schema
# (before, one failed with "table meta already exists" in about two rounds of
# three). Eight rounds of two processes.
bad=0
for i in 1 2 3 4 5 6 7 8; do
  "$cx" --catalogue "$tmp/race$i.db" build --sources sources/ --only vqa-rad >/dev/null 2>"$tmp/race$i.a" &
  "$cx" --catalogue "$tmp/race$i.db" build --sources sources/ --only vqa-rad >/dev/null 2>"$tmp/race$i.b" &
  wait %1 || bad=$((bad + 1)); wait %2 || bad=$((bad + 1))
done
check "two builds creating a new catalogue at once both succeed, 8 rounds" test "$bad" -eq 0
check "and say nothing on stderr" sh -c "cat '$tmp'/race*.a '$tmp'/race*.b | wc -c | grep -qx 0"
"$cx" --catalogue "$tmp/solo.db" build --sources sources/ --only vqa-rad >/dev/null 2>&1
check "and leave the catalogue one build alone makes" sh -c "
  sqlite3 '$tmp/solo.db' <tests/cli/canon.sql >'$tmp/canon-solo.txt' &&
  for i in 1 2 3 4 5 6 7 8; do
    sqlite3 '$tmp/race'\$i.db <tests/cli/canon.sql | cmp - '$tmp/canon-solo.txt' || exit 1; done"

# --- what --sources may name ------------------------------------------------
"$cx" --catalogue "$tmp/one.db" build --sources sources/ --only vqa-rad >"$tmp/one.out" 2>&1
check "with --only, build lists only the sources named" \
  test "$(grep -E '^(found|missing)' "$tmp/one.out")" = "found    vqa-rad           sources/vqa-rad"
"$cx" --catalogue "$tmp/direct.db" build --sources sources/vqa-rad/ >"$tmp/direct.out" 2>&1
check "a release folder given as --sources builds (exit 0)" test $? -eq 0
check "as that release" grep -qx "found    vqa-rad           sources/vqa-rad" "$tmp/direct.out"
sqlite3 "$tmp/one.db" <tests/cli/canon.sql >"$tmp/canon-one.txt"
sqlite3 "$tmp/direct.db" <tests/cli/canon.sql >"$tmp/canon-direct.txt"
check "into the same catalogue as from the folder of releases" \
  cmp "$tmp/canon-one.txt" "$tmp/canon-direct.txt"
"$cx" --catalogue "$tmp/direct-openi.db" build --sources sources/openi --only openi \
  >"$tmp/direct-openi.out" 2>&1
check "OpenI's folder given directly is OpenI, not its reports archive alone" \
  grep -qx "found    openi             sources/openi" "$tmp/direct-openi.out"
"$cx" --catalogue "$tmp/direct-tgz.db" build --sources "$tmp/alt/vqa-rad.tar.gz" >"$tmp/direct-tgz.out" 2>&1
check "a release archive given as --sources builds as that release" \
  grep -qx "found    vqa-rad           $tmp/alt/vqa-rad.tar.gz" "$tmp/direct-tgz.out"

# A VQA-RAD copy holding an unrelated notes/train.csv: CheXpert's probe looks
# at it and says no, and must not leave VQA-RAD's probe looking in notes/.
mkdir -p "$tmp/notes"
cp -r sources/vqa-rad "$tmp/notes/"
mkdir "$tmp/notes/vqa-rad/notes"
printf 'Path,Sex\nx.jpg,F\n' >"$tmp/notes/vqa-rad/notes/train.csv"
"$cx" --catalogue "$tmp/notes.db" build --sources "$tmp/notes" >"$tmp/notes.out" 2>&1
check "a VQA-RAD copy with notes/train.csv builds (exit 0)" test $? -eq 0
check "and is found as VQA-RAD" grep -qx "found    vqa-rad           $tmp/notes/vqa-rad" "$tmp/notes.out"

mkdir -p "$tmp/empty"
"$cx" --catalogue "$tmp/empty.db" build --sources "$tmp/empty" >/dev/null 2>"$tmp/empty.err"
check "a folder with no release exits 1" test $? -eq 1
check "with one line saying so" test "$(cat "$tmp/empty.err")" = \
  "chexinstruct: error: no release of a known source found at $tmp/empty"
check "and writes no catalogue" test ! -e "$tmp/empty.db"
"$cx" --catalogue "$tmp/notes.db" build --sources "$tmp/notes" --only vqa-rad,slake \
  >/dev/null 2>"$tmp/only.err"
check "--only naming a known source that is not there exits 1" test $? -eq 1
check "with one line naming it" test "$(cat "$tmp/only.err")" = \
  "chexinstruct: error: --only: no release of slake found at $tmp/notes"

# --- the summary rule's parameter belongs to MIMIC-CXR's entry -------------------
# A clock time in one MIMIC-CXR impression and in one OpenI impression: MIMIC-CXR's
# summarization entry leaves that study out (as the official build does), OpenI's,
# which takes no impression filter (nor does the official OpenI processor), keeps it.
mkdir -p "$tmp/am" && cp -r sources/mimic-cxr sources/openi "$tmp/am/"
python3 - "$tmp/am" <<'PY'
import io, sys, tarfile, zipfile
d = sys.argv[1]
zp = d + "/mimic-cxr/mimic-cxr-reports.zip"
src = zipfile.ZipFile(zp)
items = [(i, src.read(i)) for i in src.infolist()]
src.close()
with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
    for i, b in items:
        if i.filename == "files/p10/p10003412/s50128830.txt":
            b = b.replace(b"IMPRESSION:", b"IMPRESSION: Called at 9:30 a.m.", 1)
        z.writestr(i, b)
tp = d + "/openi/NLMCXR_reports.tgz"
with tarfile.open(tp) as t:
    members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
with tarfile.open(tp, "w:gz") as t:
    for m, b in members:
        if m.name.endswith("/1.xml"):
            b = b.replace(b'Label="IMPRESSION">', b'Label="IMPRESSION">Called at 9:30 a.m. ', 1)
            m.size = len(b)
        t.addfile(m, io.BytesIO(b) if b is not None else None)
PY
"$cx" --catalogue "$tmp/am.db" build --sources "$tmp/am" >/dev/null 2>&1
am() { sqlite3 "$tmp/am.db" "SELECT count(*) FROM instance n JOIN entry e ON e.id = n.entry_id
  JOIN task t ON t.id = e.task_id JOIN dataset d ON d.id = e.dataset_id
  WHERE t.name = '$1' AND d.source = '$2'"; }
check "a MIMIC-CXR impression with a clock time leaves summarization (3 -> 2)" \
  test "$(am findings-summarization mimic-cxr)" = 2
imp=$(sqlite3 "$db" "SELECT count(*) FROM instance n JOIN entry e ON e.id = n.entry_id
  JOIN task t ON t.id = e.task_id JOIN dataset d ON d.id = e.dataset_id
  WHERE t.name = 'impression-generation' AND d.source = 'mimic-cxr'")
check "... and stays in impression generation ($imp)" \
  test "$(am impression-generation mimic-cxr)" = "$imp"
check "an OpenI impression with a clock time stays in summarization (4)" \
  test "$(am findings-summarization openi)" = 4

# --- broken input -----------------------------------------------------------
cp -r sources "$tmp/broken"
rm "$tmp/broken/vqa-rad/VQA_RAD Image Folder/synpic30011.jpg"
printf 'not a jpeg' >"$tmp/broken/slake/imgs/xmlab201/source.jpg"
"$cx" --catalogue "$tmp/broken.db" build --sources "$tmp/broken" --only "$frozen" >"$tmp/broken.out" 2>&1
check "build with a missing and a damaged image still exits 0" test $? -eq 0
sqlite3 "$tmp/broken.db" "SELECT d.source, r.file, r.line, r.reason FROM reject r
  JOIN dataset d ON r.dataset_id = d.id ORDER BY 1, 2, 3" >"$tmp/rejects.txt"
same_as_golden "rejects name the file, line and reason" "$tmp/rejects.txt" broken-rejects.txt
check "the accounting still holds" python3 -c '
import json, subprocess, sys
d = json.loads(subprocess.check_output([sys.argv[1], "--catalogue", sys.argv[2], "stats", "--json"]))
for s in d["datasets"]:
    assert s["rows_read"] == s["rows_kept"] + s["rows_rejected"] + s["rows_filtered"], s
' "$cx" "$tmp/broken.db"
"$cx" --catalogue "$tmp/strict.db" build --sources "$tmp/broken" --only "$frozen" --strict >/dev/null 2>&1
check "--strict turns rejects into exit 1" test $? -eq 1

mkdir -p "$tmp/trunc"
tar --sort=name --mtime=@0 --owner=0 --group=0 -czf "$tmp/whole.tar.gz" -C sources/vqa-rad .
head -c 2500 "$tmp/whole.tar.gz" >"$tmp/trunc/vqa-rad.tar.gz"
"$cx" --catalogue "$tmp/trunc.db" build --sources "$tmp/trunc" >/dev/null 2>"$tmp/trunc.err"
check "a truncated release archive exits 1" test $? -eq 1
check "with one line naming the archive and the damage" \
  grep -qx "chexinstruct: error: $tmp/trunc/vqa-rad.tar.gz: damaged archive: truncated gzip input" "$tmp/trunc.err"

# --- schema versions --------------------------------------------------------
cp "$db" "$tmp/old.db"
sqlite3 "$tmp/old.db" "PRAGMA user_version = 99"
"$cx" --catalogue "$tmp/old.db" stats 2>"$tmp/old.err"
check "a catalogue of another schema version is refused (exit 1)" test $? -eq 1
schema_version=$(sed -n 's/^#define CX_SCHEMA_VERSION \([0-9]*\)$/\1/p' builder/catalogue/catalogue.h)
check "with a message naming both versions" \
  grep -q "schema version 99, this chexinstruct reads version $schema_version\b" "$tmp/old.err"
check "schema/catalogue.sql's header names the version CX_SCHEMA_VERSION says" \
  grep -qx -- "-- chexinstruct catalogue, schema version $schema_version (= CX_SCHEMA_VERSION)." \
  schema/catalogue.sql
printf 'hello' >"$tmp/notadb.db"
"$cx" --catalogue "$tmp/notadb.db" stats 2>"$tmp/notadb.err"
check "a file that is not a catalogue is refused" grep -q "not a chexinstruct catalogue" "$tmp/notadb.err"

# --- views that name instances (schema/catalogue.sql) ------------------------
sqlite3 "$db" "SELECT capability, task, dataset, source, split, key, entry, held_out
  FROM instance_named WHERE source IN ('vqa-rad', 'openi')
  AND task IN ('close-ended-vqa', 'findings-generation') ORDER BY source, split, key;
  SELECT * FROM instance_count WHERE dataset IN ('OpenI', 'SLAKE')
  ORDER BY capability, task, dataset, split" >"$tmp/views.out"
cat >"$tmp/views.want" <<'EOF2'
text-generation|findings-generation|OpenI|openi|test|1|[Findings Generation] [OpenI]|1
text-generation|findings-generation|OpenI|openi|test|305|[Findings Generation] [OpenI]|1
text-generation|findings-generation|OpenI|openi|test|3999|[Findings Generation] [OpenI]|1
question-answering|close-ended-vqa|VQA-RAD|vqa-rad|test|13|[Close-Ended VQA] [VQA-RAD]|0
question-answering|close-ended-vqa|VQA-RAD|vqa-rad|test|7|[Close-Ended VQA] [VQA-RAD]|0
question-answering|close-ended-vqa|VQA-RAD|vqa-rad|test|8|[Close-Ended VQA] [VQA-RAD]|0
question-answering|close-ended-vqa|VQA-RAD|vqa-rad|train|1|[Close-Ended VQA] [VQA-RAD]|0
question-answering|close-ended-vqa|VQA-RAD|vqa-rad|train|2|[Close-Ended VQA] [VQA-RAD]|0
question-answering|close-ended-vqa|VQA-RAD|vqa-rad|train|6|[Close-Ended VQA] [VQA-RAD]|0
question-answering|close-ended-vqa|VQA-RAD|vqa-rad|train|9|[Close-Ended VQA] [VQA-RAD]|0
question-answering|close-ended-vqa|SLAKE|slake|test|1
question-answering|close-ended-vqa|SLAKE|slake|train|1
question-answering|close-ended-vqa|SLAKE|slake|val|2
question-answering|open-ended-vqa|SLAKE|slake|test|3
question-answering|open-ended-vqa|SLAKE|slake|train|4
question-answering|open-ended-vqa|SLAKE|slake|val|1
text-generation|findings-generation|OpenI|openi|test|3
text-generation|findings-summarization|OpenI|openi|test|4
text-generation|impression-generation|OpenI|openi|test|4
EOF2
check "instance_named and instance_count name the demo's instances (exact rows)" \
  diff -u "$tmp/views.want" "$tmp/views.out"
check "instance_named has one row per instance, with its id, key and split" test "$(sqlite3 "$db" \
  "SELECT count(*) || ' ' || (SELECT count(*) FROM instance) || ' ' || (SELECT count(*)
   FROM instance_named v JOIN instance n ON n.id = v.instance_id AND n.key = v.key
   AND n.split = v.split) FROM instance_named")" = "112 112 112"
check "instance_count adds up to every instance" test "$(sqlite3 "$db" \
  "SELECT sum(instances) FROM instance_count")" = 112

# --- sample --png: a contact sheet -------------------------------------------
"$cx" --catalogue "$db" sample --task grounding -n 4 --png "$tmp/sheet.png" 2>"$tmp/sheet.err"
check "sample --png exits 0" test $? -eq 0
"$cx" --catalogue "$db" sample --task grounding -n 4 --png "$tmp/sheet2.png" 2>/dev/null
check "the sheet is a PNG of 4 cells in one row (1064x303)" python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR", d[:16]
assert struct.unpack(">II", d[16:24]) == (1064, 303), struct.unpack(">II", d[16:24])
' "$tmp/sheet.png"
check "two runs write identical sheets" cmp "$tmp/sheet.png" "$tmp/sheet2.png"

tap_done
