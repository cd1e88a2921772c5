#!/bin/sh
# bench-dicom.sh - the DICOM header-probe rate of `build`: an RSNA-shaped
# release (bench/gen-rsna.py, BENCH_DICOM_COUNT images, default 5000; stage
# 2 has 26,684) built with and without its header pass, from a cold and a
# warm page cache; the difference is what the probe (open, read the head,
# the structural walk, storing width and height) costs per file.
#
#     bench/bench-dicom.sh        (from the repository root)
set -eu
cd "$(dirname "$0")/.."
n=${BENCH_DICOM_COUNT:-5000}
out=bench/out/rsna-$n
build=build-bench
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" chexinstruct >/dev/null
if [ ! -f "$out/done" ]; then
	echo "writing $n RSNA-shaped DICOMs into $out ..."
	python3 bench/gen-rsna.py "$out/rsna-pneumonia" --count "$n"
	touch "$out/done"
fi
cx="$PWD/$build/chexinstruct"
run() { # run LABEL OPTIONS...: one build from an empty catalogue, wall and CPU seconds
	label=$1
	shift
	rm -f "$out/b.db"
	/usr/bin/time -f "$label: %e s wall, %U s user, %S s system, %M KB peak" \
		"$cx" --catalogue "$out/b.db" build --sources "$out" --only rsna-pneumonia "$@" \
		>/dev/null
}
drop() { sync; [ -w /proc/sys/vm/drop_caches ] && echo 3 >/proc/sys/vm/drop_caches || true; }
du -sh "$out/rsna-pneumonia/stage_2_train_images"
drop; run "cold, no image check" --no-image-check
drop; run "cold, header pass"
run "warm, no image check" --no-image-check
run "warm, header pass"
run "warm, header pass (again)"
