#!/usr/bin/env bash
# t-rejects.sh - reject reason codes (reject.code): every reject of the broken
# fixtures gets a short stable code for its kind of reason (no ids, no
# values), and stats groups the rejects of each dataset by it. Prints TAP.
# Run from the repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
codes="bad-json bad-path bad-utf8 bad-value bad-xml duplicate empty-field field-count"
codes="$codes inconsistent-ids missing-field missing-file missing-image unknown-value"
codes="$codes unreadable-image unsafe-name wrong-type other"
# fixture: the codes stats --json gives its dataset, as code=count in code order
while read -r fixture want; do
  db="$tmp/${fixture//\//-}.db"
  "$cx" --catalogue "$db" build --sources "tests/fixtures/$fixture" >/dev/null 2>&1
  "$cx" --catalogue "$db" stats --json >"$tmp/s.json"
  check "$fixture: rejects by code: $want" test "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["datasets"][0]
print(" ".join("%s=%d" % kv for kv in d["rejected"].items()))
sys.exit(not (sum(d["rejected"].values()) == d["rejects"] > 0))' "$tmp/s.json")" = "$want"
  check "$fixture: every code is one of the documented ones, none 'other'" python3 -c '
import sqlite3, sys
got = {c for (c,) in sqlite3.connect(sys.argv[1]).execute("SELECT DISTINCT code FROM reject")}
sys.exit(not (got <= set(sys.argv[2].split()) - {"other"}))' "$db" "$codes"
done <<'LIST'
chexpert/broken bad-path=4 bad-utf8=1 bad-value=1 duplicate=1 field-count=1 inconsistent-ids=1 missing-image=2 unknown-value=6
mimic-cxr/broken bad-path=1 bad-utf8=2 bad-value=6 duplicate=2 field-count=1 inconsistent-ids=7 missing-image=3 unknown-value=3
nih-chestxray14/broken bad-utf8=1 bad-value=6 duplicate=2 empty-field=1 field-count=3 inconsistent-ids=6 missing-image=3 unknown-value=4
openi/broken bad-value=1 bad-xml=5 duplicate=1 missing-image=1
slake/bad bad-utf8=1 empty-field=1 missing-field=1 missing-image=2 unknown-value=1 unsafe-name=1 wrong-type=3
vqa-rad/bad-records bad-utf8=1 missing-field=2 missing-image=1 unknown-value=1 unsafe-name=1 wrong-type=4
LIST
"$cx" --catalogue "$tmp/openi-broken.db" stats >"$tmp/s.txt"
check "stats (table) prints a dataset's rejects by code on one line" grep -qx \
  "    rejected: bad-value 1, bad-xml 5, duplicate 1, missing-image 1" "$tmp/s.txt"
check "a code names the kind, the reason the row: 5 XML reports at fault, 5 reasons, one code" \
  test "$(sqlite3 "$tmp/openi-broken.db" "SELECT count(DISTINCT reason) || ' ' || count(*)
    FROM reject WHERE code = 'bad-xml'")" = "5 5"
tap_done
