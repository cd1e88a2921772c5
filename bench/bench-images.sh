#!/bin/sh
# bench-images.sh - how fast cx_image_transcode makes the shards' 512 px JPEGs
# from full-size chest X-rays, next to libjpeg-turbo's own decode limit.
#
# Generates once, into bench/out/images/ (gitignored), 20 grey JPEGs of
# 2500x3000 at cjpeg quality 95 (the size and quality of MIMIC-CXR-JPG) and
# 10 16-bit grey PNGs of the same size (12 significant bits, zlib level 6);
# then times bench/transcode-rate (512 px longest side, JPEG q90, one core)
# on each set, and tjbench decompressing the same JPEGs at scale 1/4 (the
# DCT scaling cx_image_decode_scaled picks for 512 px out of 2500x3000).
#
#     bench/bench-images.sh        (from the repository root)
set -eu
cd "$(dirname "$0")/.."
out=bench/out/images
build=build-bench
mkdir -p "$out"

[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" bench/transcode-rate >/dev/null

if [ ! -f "$out/done" ]; then
	echo "generating 20 JPEGs and 10 16-bit PNGs of 2500x3000 in $out ..."
	python3 - "$out" <<'PY'
# Fast pure-Python pictures: a few noisy row templates (body outline, two
# darker lung fields) shifted per row and mapped through a per-row 256-entry
# table (vertical fall-off, rib-like stripes), so each row costs one
# bytes.translate instead of 2500 Python steps.
import math, random, struct, subprocess, sys, zlib

W, H = 2500, 3000
out = sys.argv[1]

def template(rng, lungs):
    row = bytearray(W + 16)
    for x in range(W + 16):
        nx = (x - 8 - W / 2) / (W / 2)
        v = 40 + 150 * max(0.0, 1 - nx * nx * 0.9)
        if lungs:
            for c in (-0.45, 0.45):
                d = ((nx - c) / 0.33) ** 2
                if d < 1:
                    v -= 80 * (1 - d)
        v += rng.gauss(0, 5)
        row[x] = max(0, min(255, int(v)))
    return bytes(row)

def rows(seed):
    rng = random.Random(seed)
    lung = [template(rng, True) for _ in range(24)]
    body = [template(rng, False) for _ in range(24)]
    for y in range(H):
        ny = (y - H / 2) / (H / 2)
        inside = -0.55 < ny < 0.6
        t = (lung if inside else body)[rng.randrange(24)]
        k = rng.randrange(16)
        gain = max(0.2, 1 - 0.5 * ny * ny)
        rib = 14 * math.sin(y * 0.045 + seed) if inside else 0
        table = bytes(max(0, min(255, int(c * gain + rib + 10))) for c in range(256))
        yield t[k:k + W].translate(table)

def write_jpg(seed):
    pgm = b"P5 %d %d 255\n" % (W, H) + b"".join(rows(seed))
    name = "%s/cxr-%02d.jpg" % (out, seed)
    with open(name, "wb") as f:
        subprocess.run(["cjpeg", "-quality", "95", "-grayscale"], input=pgm, stdout=f,
                       check=True)

def chunk(tag, data):
    c = struct.pack(">I", len(data)) + tag + data
    return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

def write_png(seed):
    # 12 significant bits in 16: high byte v >> 4, low byte (v & 15) << 4 | noise.
    hi = bytes(c >> 4 for c in range(256))
    lo = bytes(((c & 15) << 4) | (c * 7 & 15) for c in range(256))
    raw = bytearray()
    for r in rows(seed):
        line = bytearray(2 * W)
        line[0::2] = r.translate(hi)
        line[1::2] = r.translate(lo)
        raw += b"\0" + line
    ihdr = struct.pack(">IIBBBBB", W, H, 16, 0, 0, 0, 0)
    with open("%s/cxr16-%02d.png" % (out, seed), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))

for s in range(20):
    write_jpg(s)
for s in range(10):
    write_png(s)
PY
	touch "$out/done"
fi

mb() { du -cb "$@" | tail -1 | awk '{printf "%.1f", $1 / 1e6}'; }
echo "inputs: 20 JPEGs $(mb "$out"/cxr-*.jpg) MB, 10 PNGs $(mb "$out"/cxr16-*.png) MB"

echo "== cx_image_transcode, 512 px JPEG q90, one core"
printf 'jpeg q95 -> '; taskset -c 0 "$build/bench/transcode-rate" 512 90 3 "$out"/cxr-*.jpg
printf 'png16    -> '; taskset -c 0 "$build/bench/transcode-rate" 512 90 2 "$out"/cxr16-*.png

# tjbench (libjpeg-turbo 2.1) has no grey output format: it decodes a grey
# JPEG to BGR, a small extra cost at 625x750. Its verbose output gives
# "Frame rate: N fps" per file; the set's rate is files / sum(1 / fps).
echo "== libjpeg-turbo limit: tjbench decompression at scale 1/4, one core"
ours=$(taskset -c 0 "$build/bench/transcode-rate" 512 90 3 "$out"/cxr-*.jpg |
	sed 's/.*: \([0-9.]*\) images\/s.*/\1/')
for f in "$out"/cxr-*.jpg; do
	taskset -c 0 tjbench "$f" -scale 1/4 -nowrite -benchtime 1 -warmup 0.2 2>&1 |
		awk '/Frame rate/ {print $5; exit}'
done | awk -v ours="$ours" '
	{ n++; t += 1 / $1 }
	END { printf "tjbench decode 1/4: %d files, %.2f images/s; transcode-rate (rerun) %.2f images/s = %.0f%% of it\n",
		n, n / t, ours, 100 * ours / (n / t) }'

# The same work inside `chexinstruct shard --image-size 512`: a small MIMIC-CXR-JPG-shaped
# release (gen-mimic.py, 160 images) whose image files are the 20 big JPEGs in turn, sharded
# with --threads 1 on one core (taskset -c 0) and --threads 2 on both. Stage 1 transcodes
# every image the split needs once, whatever duplicates are later dropped, so each run does
# the same number of transcodes; the two outputs must be byte-identical.
rel="$out/release"
if [ ! -f "$rel/done" ]; then
	rm -rf "$rel" && mkdir -p "$rel/sources"
	python3 bench/gen-mimic.py "$rel/sources/mimic-cxr" --patients 40 --studies 100 \
		--images 160 >/dev/null
	"$build/chexinstruct" --catalogue "$rel/cat.db" build --sources "$rel/sources" \
		--no-image-check >/dev/null
	sqlite3 "$rel/cat.db" "SELECT path FROM image ORDER BY id" | python3 -c '
import os, shutil, sys
out, rel = sys.argv[1], sys.argv[2]
for i, p in enumerate(sys.stdin.read().split()):
    dst = os.path.join(rel, "sources/mimic-cxr", p)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile("%s/cxr-%02d.jpg" % (out, i % 20), dst)
' "$out" "$rel"
	touch "$rel/done"
fi
ninja -C "$build" chexinstruct >/dev/null
rm -f "$rel/cat.db"
"$build/chexinstruct" --catalogue "$rel/cat.db" build --sources "$rel/sources" >/dev/null
need=$(sqlite3 "$rel/cat.db" "SELECT count(DISTINCT x.image_id) FROM instance_image x
	JOIN instance n ON n.id = x.instance_id WHERE n.split = 'train'")
echo "== chexinstruct shard --split train --image-size 512: $need images to transcode"
shard_time() { # shard_time CPUS THREADS: prints wall seconds
	rm -rf "$rel/out-$2"
	/usr/bin/time -f %e -o "$rel/time-$2" taskset -c "$1" "$build/chexinstruct" \
		--catalogue "$rel/cat.db" shard --out "$rel/out-$2" --split train \
		--image-size 512 --threads "$2" >/dev/null
	cat "$rel/time-$2"
}
t1=$(shard_time 0 1)
t2=$(shard_time 0,1 2)
same=$(diff -r "$rel/out-1" "$rel/out-2" >/dev/null && echo identical || echo DIFFERENT)
awk -v n="$need" -v a="$t1" -v b="$t2" -v same="$same" 'BEGIN {
	printf "1 core,  --threads 1: %.2f s, %.1f images/s\n", a, n / a
	printf "2 cores, --threads 2: %.2f s, %.1f images/s, speed-up %.2fx; outputs %s\n",
		b, n / b, a / b, same }'
