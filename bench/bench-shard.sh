#!/usr/bin/env bash
# bench-shard.sh - shard throughput against a plain copy of the same image bytes.
#
# Writes a synthetic MIMIC-CXR-JPG release with gen-mimic.py (SHARD_SCALE of full size,
# default 0.05: ~19k images, ~11k studies) and gives every image a JPEG file of
# SHARD_IMAGE_KB (default 64) KiB: one real baseline JPEG with a unique tail after its
# end marker, so no two images share content hashes. Then, on the same disk, in one run:
#   0. `chexinstruct shard --dry-run` (the plan alone), timed with GNU time;
#   1. `chexinstruct shard --split train` (native), timed with GNU time (peak RSS);
#   2. the copy baseline: `cat` of the same image bytes the shards hold (each image file
#      once per record that shows it, in shard order) into one file, then sync;
#   3. the shard run again, so that neither side always runs first, and the disk's
#      ceiling: dd of as many zeros in 1 MiB O_DIRECT blocks (SHARD_ROUNDS=N: N rounds
#      of copy, shard and ceiling in turn; the medians are compared).
# Every step starts from a dropped page cache (when run as root) and ends with sync.
# Prints records/s, MB/s of shard output and of the copy, the ratio, peak memory, and
# each shard run's phases (CX_SHARD_TIMES). SHARD_BUFFERED=1 runs `shard --buffered`
# (through the page cache instead of O_DIRECT), for an A/B.
# A benchmark, not a test. Output in bench/out/shard-<scale>-<kb>k/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SHARD_SCALE:-0.05}
KB=${SHARD_IMAGE_KB:-64}
PX=${SHARD_IMAGE_PX:-512}     # side of the base JPEG (64 px gives ~2 KiB files)
TOTAL=${SHARD_TOTAL:-}        # a mix {"total": N}: up- or downsample to N records
BUILD=${BENCH_BUILD:-build-bench}
OUT=bench/out/shard-$SCALE-${KB}k
BIN=$BUILD/chexinstruct
say() { printf '== %s\n' "$*"; }

[ -x /usr/bin/time ] || { echo "bench-shard.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
if [ ! -d "$BUILD" ]; then meson setup "$BUILD" --buildtype=release >/dev/null; fi
ninja -C "$BUILD" chexinstruct >/dev/null

if [ ! -f "$OUT/images.done" ]; then
	say "writing the release (scale $SCALE, $KB KiB per image)"
	rm -rf "$OUT" && mkdir -p "$OUT/sources"
	python3 bench/gen-mimic.py "$OUT/sources/mimic-cxr" --scale "$SCALE" >/dev/null
	rm -f "$OUT/cat.db"
	"$BIN" --catalogue "$OUT/cat.db" build --sources "$OUT/sources" --no-image-check >/dev/null
	python3 scripts/demo-image.py "$OUT/base.jpg" "$PX" "$PX" 1
	sqlite3 "$OUT/cat.db" "SELECT path FROM image ORDER BY id" >"$OUT/images.txt"
	python3 - "$OUT" "$KB" <<'PY'
import os, sys
out, kb = sys.argv[1], int(sys.argv[2])
base = open(out + "/base.jpg", "rb").read()
pad = max(0, kb * 1024 - len(base) - 16)
filler = bytes(range(256)) * (pad // 256 + 1)
for i, p in enumerate(open(out + "/images.txt").read().split("\n")):
    if not p:
        continue
    f = os.path.join(out, "sources/mimic-cxr", p)
    os.makedirs(os.path.dirname(f), exist_ok=True)
    with open(f, "wb") as w:
        w.write(base + filler[:pad] + i.to_bytes(16, "little"))
PY
	touch "$OUT/images.done"
fi

# The catalogue is rebuilt on every run: cheap at these scales, and a catalogue of an
# older schema version would be refused.
rm -f "$OUT/cat.db"
"$BIN" --catalogue "$OUT/cat.db" build --sources "$OUT/sources" >/dev/null
sync
mix=()
if [ -n "${SHARD_BUFFERED:-}" ]; then mix+=(--buffered); fi
if [ -n "$TOTAL" ]; then
	printf '{"total": %s}\n' "$TOTAL" >"$OUT/mix.json"
	mix=(--mix "$OUT/mix.json")
fi
# Each timed step starts from a cold page cache when the kernel lets us drop it (root),
# and ends with sync, so writeback left by one step is not charged to the next.
cold() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
shard_run() { # shard_run N: a timed shard run; sets secs, rss
	cold
	say "chexinstruct shard --split train (run $1)"
	rm -rf "$OUT/shards"
	CX_SHARD_TIMES=1 /usr/bin/time -v "$BIN" --catalogue "$OUT/cat.db" shard --out "$OUT/shards" --split train \
		--max-bytes 1000000000 "${mix[@]}" 2>"$OUT/time.txt"
	sync
	local wall
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/time.txt")
	secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.txt")
	grep '^shard: ' "$OUT/time.txt" | tr '\n' ';' | sed 's/shard: //g; s/  */ /g; s/;$/\n/'
}
report() { # report LABEL
	printf 'shard %s: %.2f s, %.0f records/s, %.1f MB/s written, %.0f%% of copy throughput, peak RSS %s MB\n' \
		"$1" "$secs" "$(echo "$records / $secs" | bc -l)" "$(echo "$bytes / 1000000 / $secs" | bc -l)" \
		"$(echo "100 * ($bytes / $secs) / ($copy_bytes / $copy_s)" | bc -l)" "$(echo "$rss / 1024" | bc)"
}

# The plan alone: `shard --dry-run` reads no image and renders nothing.
say "chexinstruct shard --dry-run --split train"
/usr/bin/time -f 'dry run: %e s wall, %U s user, %S s system, peak RSS %M KB' \
	"$BIN" --catalogue "$OUT/cat.db" shard --dry-run --split train "${mix[@]}" 2>&1 >/dev/null |
	grep '^dry run'

shard_run 1
secs1=$secs rss1=$rss
records=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$OUT/shards/manifest.json")
bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$OUT/shards/manifest.json")

# The copy baseline moves the same image bytes the shards hold: every image file once per
# record that shows it, in shard order (read back from the shards' metadata), so both
# sides write the same volume to the same disk.
PYTHONPATH=shards python3 -W ignore - "$OUT/shards" >"$OUT/copy-list.txt" <<'PY'
import sys
from chexinstruct_shards import ChexinstructDataset
d = ChexinstructDataset(sys.argv[1])
for i in range(len(d)):
    for p in d[i]["meta"]["images"]:
        print(p)
PY
rm -rf "$OUT/shards"
copy_run() { # a timed copy baseline; sets copy_s, copy_bytes
	cold
	say "copy baseline: cat of the same image bytes"
	local start end
	start=$(date +%s.%N)
	# (the metadata names each image by its path as the catalogue was built, from this folder)
	tr '\n' '\0' <"$OUT/copy-list.txt" | xargs -0 cat >"$OUT/copy.bin"
	sync
	end=$(date +%s.%N)
	copy_bytes=$(stat -c %s "$OUT/copy.bin")
	copy_s=$(echo "$end - $start" | bc -l)
	rm -f "$OUT/copy.bin"
}
ceiling_run() { # the disk's direct-write ceiling: zeros, 1 MiB O_DIRECT blocks; sets ceil_s
	cold
	say "disk ceiling: dd of zeros, oflag=direct, the same volume"
	local start end
	start=$(date +%s.%N)
	dd if=/dev/zero of="$OUT/zero.bin" bs=1M count=$((copy_bytes >> 20)) oflag=direct \
		status=none
	sync
	end=$(date +%s.%N)
	ceil_s=$(echo "$end - $start" | bc -l)
	rm -f "$OUT/zero.bin"
}
# The disk's speed drifts between runs: SHARD_ROUNDS (default 1) more rounds of a copy,
# a shard run and a ceiling run are run in turn, and the medians compared.
copies=() ceilings=() shards=() rsses=("$rss1")
for k in $(seq 1 "${SHARD_ROUNDS:-1}"); do
	copy_run
	copies+=("$copy_s")
	shard_run $((k + 1))
	shards+=("$secs")
	rsses+=("$rss")
	ceiling_run
	ceilings+=("$ceil_s")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

images=$(wc -l <"$OUT/images.txt")
printf 'images %s, records %s, shard bytes %s MB\n' "$images" "$records" \
	"$(echo "$bytes / 1000000" | bc)"
printf 'ceiling runs (s): %s\n' "${ceilings[*]}"
printf 'copy runs (s):  %s\n' "${copies[*]}"
printf 'shard runs (s): %s %s\n' "$secs1" "${shards[*]}"
copy_s=$(median "${copies[@]}")
secs=$(median "$secs1" "${shards[@]}")
rss=$(printf '%s\n' "${rsses[@]}" | sort -g | tail -1)
printf 'copy (median):  %.2f s, %.1f MB/s (%s MB)\n' "$copy_s" "$(echo "$copy_bytes / 1000000 / $copy_s" | bc -l)" \
	"$(echo "$copy_bytes / 1000000" | bc)"
report "(median)"
ceil_s=$(median "${ceilings[@]}")
printf 'disk ceiling (median): %.2f s, %.1f MB/s (dd of zeros, O_DIRECT); the shard median is %.0f%% of it\n' \
	"$ceil_s" "$(echo "$copy_bytes / 1000000 / $ceil_s" | bc -l)" \
	"$(echo "100 * ($bytes / $secs) / ($copy_bytes / $ceil_s)" | bc -l)"
