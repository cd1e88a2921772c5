#!/usr/bin/env bash
# scales.sh - how `chexinstruct build` grows with the release: times the MIMIC-CXR build
# (bench/run.sh with BENCH_ONLY=mimic-cxr) at several scales and prints CPU (user + system),
# wall time and peak RSS per scale, with each one's ratio to the smallest scale.
#
# Environment:
#   BENCH_SCALES="0.125 0.25 0.5 1"   scales to run, smallest first (releases are written
#                                      once into bench/out/[scale-X/] and kept)
#   BENCH_BUILD=build-bench            meson build folder of the binary timed (e.g. a build of
#                                      an older commit, to measure before and after)
#   BENCH_LABEL=after                  a name for the run, printed in the table rows
set -euo pipefail

cd "$(dirname "$0")/.."
SCALES=${BENCH_SCALES:-0.125 0.25 0.5 1}
LABEL=${BENCH_LABEL:-$(git rev-parse --short HEAD 2>/dev/null || echo '?')}
rows=()
for s in $SCALES; do
	if [ "$s" = 1 ]; then out=bench/out; else out=bench/out/scale-$s; fi
	mkdir -p "$out"
	BENCH_ONLY=mimic-cxr BENCH_SCALE=$s bash bench/run.sh >"$out/scales.log" 2>&1 || {
		echo "bench/run.sh failed at scale $s; see $out/scales.log" >&2
		exit 1
	}
	rows+=("$s $out")
done

python3 - "$LABEL" "${rows[@]}" <<'PY'
# Reads each scale's GNU time -v output; ratios are to the first (smallest) scale.
import sys

label = sys.argv[1]
runs = []
for arg in sys.argv[2:]:
    scale, out = arg.split(" ", 1)
    tv = {}
    with open(out + "/time.txt") as f:
        for line in f:
            k, _, v = line.strip().rpartition(": ")
            tv[k] = v
    # "mimic-cxr: CPU seconds: read R, indexes I, derive D, commit C" (CX_BUILD_TIMES)
    phases = "n/a"
    with open(out + "/build.log") as f:
        for line in f:
            if ": CPU seconds: " in line:
                phases = " / ".join(p.split()[-1] for p in line.split(": CPU seconds: ")[1].split(","))
    wall = 0.0
    for p in tv.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0").split(":"):
        wall = wall * 60 + float(p)
    cpu = float(tv.get("User time (seconds)", "0")) + float(tv.get("System time (seconds)", "0"))
    rss = int(tv.get("Maximum resident set size (kbytes)", "0")) / 1024
    runs.append((scale, cpu, wall, rss, phases))
s0, c0, w0, r0, _ = runs[0]
print("| run | scale | CPU user+sys (s) | read / indexes / derive / commit (CPU s) | wall (s) |"
      " peak RSS (MB) | CPU / scale %s | RSS / scale %s |" % (s0, s0))
print("|---|---|---|---|---|---|---|---|")
for s, c, w, r, ph in runs:
    print("| %s | %s | %.1f | %s | %.1f | %.0f | %.2fx | %.2fx |"
          % (label, s, c, ph, w, r, c / c0, r / r0))
PY
