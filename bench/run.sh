#!/usr/bin/env bash
# run.sh - time `chexinstruct build` on full-scale synthetic MIMIC-CXR-JPG and NIH releases.
#
# Builds a release binary in build-bench/, writes the synthetic releases into bench/out/ once
# (gen-mimic.py, gen-nih.py; kept between runs), then times one build of a fresh catalogue
# with /usr/bin/time -v and prints rows read per source, wall time, throughput and peak RSS.
# The releases hold no image files, so the build runs with --no-image-check.
#
# Environment:
#   BENCH_ONLY=mimic-cxr|nih-chestxray14   bench one dataset only
#   BENCH_REPORTS=zip                       MIMIC reports in mimic-cxr-reports.zip, as shipped
#                                           (default: files/pXX/pSUBJECT/sSTUDY.txt)
#   BENCH_SCALE=0.01                        smaller releases (kept in bench/out/scale-0.01/)
#   BENCH_BUILD=build-bench                 meson build folder
#   BENCH_REGEN=1                           write the releases again
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BENCH_BUILD:-build-bench}
SCALE=${BENCH_SCALE:-1}
ONLY=${BENCH_ONLY:-}
REPORTS=${BENCH_REPORTS:-files}
if [ "$SCALE" = 1 ]; then OUT=bench/out; else OUT=bench/out/scale-$SCALE; fi
BIN=$BUILD/chexinstruct

say() { printf '== %s\n' "$*"; }

case "$ONLY" in
"" | mimic-cxr | nih-chestxray14) ;;
*) echo "BENCH_ONLY must be mimic-cxr or nih-chestxray14, not '$ONLY'" >&2; exit 2 ;;
esac
case "$REPORTS" in
files | zip) ;;
*) echo "BENCH_REPORTS must be files or zip, not '$REPORTS'" >&2; exit 2 ;;
esac

# /usr/bin/time (GNU time) gives peak RSS; the shell keyword does not.
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ]; then
		say "installing GNU time"
		apt-get install -y -q time >/dev/null ||
			{ apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; }
	else
		echo "run.sh needs GNU time (/usr/bin/time): apt-get install time" >&2
		exit 1
	fi
fi

say "building $BIN (release)"
[ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release >/dev/null
ninja -C "$BUILD" >/dev/null
if [ ! -x "$BIN" ]; then
	echo "no $BIN after the build: is builder/main.c (the CLI) in place?" >&2
	exit 1
fi

# Each release is written to a temporary folder and moved into place when complete, so an
# interrupted run never leaves half a release behind.
gen() { # gen <script> <folder under $OUT> <summary name> [generator options]
	local script=$1 dest=$OUT/$2 sum=$OUT/gen-$3.json
	shift 3
	if [ -d "$dest" ] && [ -f "$sum" ] && [ -z "${BENCH_REGEN:-}" ]; then
		return
	fi
	say "generating $dest (scale $SCALE)"
	rm -rf "$dest" "$dest.tmp" "$sum"
	mkdir -p "$(dirname "$dest")"
	python3 "bench/$script" "$dest.tmp" --scale "$SCALE" --summary "$sum.tmp" "$@"
	mv "$dest.tmp" "$dest"
	mv "$sum.tmp" "$sum"
}
SOURCES=$OUT/sources
# Only the releases benched are written (BENCH_ONLY=mimic-cxr needs no NIH).
[ "$ONLY" = mimic-cxr ] || gen gen-nih.py sources/nih-chestxray14 nih-chestxray14
case "$REPORTS" in
files) [ "$ONLY" = nih-chestxray14 ] || gen gen-mimic.py sources/mimic-cxr mimic-cxr ;;
zip)
	# Same release, reports in mimic-cxr-reports.zip; NIH is shared through a link.
	SOURCES=$OUT/sources-zip
	gen gen-mimic.py sources-zip/mimic-cxr mimic-cxr-zip --reports-zip
	ln -sfn ../sources/nih-chestxray14 "$SOURCES/nih-chestxray14"
	;;
esac

DB=$OUT/bench.db
rm -f "$DB" "$DB-journal" "$DB-wal" "$DB-shm"
ARGS=(--catalogue "$DB" build --sources "$SOURCES" --no-image-check)
[ -z "$ONLY" ] || ARGS+=(--only "$ONLY")
say "timing: $BIN ${ARGS[*]}"
set +e
CX_BUILD_TIMES=1 /usr/bin/time -v -o "$OUT/time.txt" "$BIN" "${ARGS[@]}" >"$OUT/build.log" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ]; then
	echo "build failed (exit $rc); last lines of $OUT/build.log:" >&2
	tail -n 20 "$OUT/build.log" >&2
	exit 1
fi
"$BIN" --catalogue "$DB" stats --json >"$OUT/stats.json" 2>"$OUT/stats.err" || {
	echo "warning: 'stats --json' failed: $(head -c 300 "$OUT/stats.err")" >&2
	echo '{}' >"$OUT/stats.json"
}

python3 - "$OUT" "$ONLY" "$SCALE" "$DB" "$REPORTS" <<'EOF'
# Reads time.txt (GNU time -v), stats.json (chexinstruct stats --json) and the generators'
# summaries; every field is optional so a change in the stats shape degrades to "?".
import json, os, sys

out, only, scale, db, reports_in = sys.argv[1:6]


def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def seconds(text):
    parts = [float(p) for p in text.strip().split(":")]
    s = 0.0
    for p in parts:
        s = s * 60 + p
    return s


tv = {}
with open(os.path.join(out, "time.txt")) as f:
    for line in f:
        k, _, v = line.strip().rpartition(": ")
        tv[k] = v
wall = seconds(tv.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0"))
rss_mb = int(tv.get("Maximum resident set size (kbytes)", "0")) / 1024
user = float(tv.get("User time (seconds)", "0"))
system = float(tv.get("System time (seconds)", "0"))

stats = load("stats.json")
ds = stats.get("datasets", []) if isinstance(stats, dict) else []
if isinstance(ds, dict):
    ds = [dict(v, name=k) if isinstance(v, dict) else {"name": k} for k, v in ds.items()]
ds = [d for d in ds if isinstance(d, dict)]
if only:
    # A fresh catalogue holds only the source built; drop others should stats list them.
    ds = [d for d in ds if only in (d.get("source"), d.get("name"))] or ds


def num(d, k):
    v = d.get(k)
    return v if isinstance(v, (int, float)) else None


def fmt(v):
    return "?" if v is None else "{:,}".format(v)


print()
row = "%-16s %11s %11s %9s %9s %9s %10s"
print(row % ("source", "rows read", "kept", "rejected", "filtered", "images", "instances"))
total = 0
for d in ds:
    name = d.get("source") or d.get("name") or "?"
    rr = num(d, "rows_read")
    total += rr or 0
    print(row % (name, fmt(rr), fmt(num(d, "rows_kept")), fmt(num(d, "rows_rejected")),
                 fmt(num(d, "rows_filtered")), fmt(num(d, "images")), fmt(num(d, "instances"))))
if not ds:
    print("(no per-source rows in stats.json)")

# CSV data rows and report files the run had to read, from the generators' summaries.
gm = load("gen-mimic-cxr-zip.json" if reports_in == "zip" else "gen-mimic-cxr.json")
gn = load("gen-nih-chestxray14.json")
csv_rows = reports = 0
if only in ("", "mimic-cxr") and gm:
    csv_rows += 2 * gm.get("images", 0) + gm.get("chexpert_rows", 0)
    reports += gm.get("reports", 0)
if only in ("", "nih-chestxray14") and gn:
    csv_rows += gn.get("images", 0) + gn.get("boxes", 0)

w = wall or float("nan")
print()
print("datasets           %s (scale %s, MIMIC reports as %s)" % (
    only or "mimic-cxr + nih-chestxray14", scale, reports_in))
print("wall time          %.2f s  (user %.2f s, system %.2f s)" % (wall, user, system))
print("rows read          %s  -> %s rows/s" % (fmt(total), fmt(int(total / w)) if total else "?"))
print("CSV data rows      %s  -> %s rows/s" % (fmt(csv_rows), fmt(int(csv_rows / w))))
if reports:
    print("report files       %s  -> %s reports/s" % (fmt(reports), fmt(int(reports / w))))
print("peak RSS           %.1f MB" % rss_mb)
# CX_BUILD_TIMES=1 made the build print its phases (binaries older than it do not).
with open(os.path.join(out, "build.log")) as f:
    for line in f:
        if ": CPU seconds: " in line:
            print("phases (CPU s)     %s" % line.strip())
try:
    print("catalogue size     %.1f MB (%s)" % (os.path.getsize(db) / 1e6, db))
except OSError:
    pass
print()
print("README row: | %s | %s | %s | %.1f | %s | %s | %.0f |" % (
    only or "both", reports_in, fmt(total), wall, fmt(int(total / w)) if total else "?",
    fmt(int(csv_rows / w)), rss_mb))
EOF
