#!/usr/bin/env bash
# The whole test suite: set up, build, run every test through meson, then add
# up the TAP lines of all tests into one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
meson test -C build --print-errorlogs --no-rebuild >/dev/null 2>&1
status=$?
python3 - build/meson-logs/testlog.json <<'PY'
import json, re, sys
passed = failed = 0
bad = []
for line in open(sys.argv[1], encoding="utf-8"):
    t = json.loads(line)
    out = t.get("stdout") or ""
    ok = len(re.findall(r"^ok \d+", out, re.M))
    nok = re.findall(r"^not ok \d+.*$", out, re.M)
    passed += ok
    failed += len(nok)
    if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and not nok:
        failed += 1
        nok = ["%s exited with %s" % (t["name"], t.get("returncode"))]
    for n in nok:
        bad.append("%s: %s" % (t["name"], n))
    print("%-22s %s" % (t["name"], t.get("result")))
for b in bad:
    print("FAILED", b)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
py=$?
[ $status -eq 0 ] && [ $py -eq 0 ]
