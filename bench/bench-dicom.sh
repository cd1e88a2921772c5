#!/bin/sh
# bench-dicom.sh - the DICOM header-probe rate of `build`: an RSNA-shaped
# release (bench/gen-rsna.py, BENCH_DICOM_COUNT images, default 5000; stage
# 2 has 26,684) built with and without its header pass, from a cold and a
# warm page cache; the difference is what the probe (open, read the head,
# the structural walk, storing width and height) costs per file.
# BENCH_DICOM_RELEASE=vindr does the same with a VinDr-CXR-shaped release
# (bench/gen-vindr.py: 16-bit files of about 15 MB, sparse; PhysioNet
# layout; the full train set has 15,000).
#
#     bench/bench-dicom.sh                           (from the repository root)
#     BENCH_DICOM_RELEASE=vindr bench/bench-dicom.sh
set -eu
cd "$(dirname "$0")/.."
n=${BENCH_DICOM_COUNT:-5000}
release=${BENCH_DICOM_RELEASE:-rsna}
case $release in
rsna) id=rsna-pneumonia images=stage_2_train_images ;;
vindr) id=vindr-cxr images=train ;;
*) echo "BENCH_DICOM_RELEASE is rsna or vindr" >&2; exit 2 ;;
esac
out=bench/out/$release-$n
build=build-bench
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" chexinstruct >/dev/null
if [ ! -f "$out/done" ]; then
	echo "writing $n $release-shaped DICOMs into $out ..."
	python3 "bench/gen-$release.py" "$out/$id" --count "$n"
	touch "$out/done"
fi
cx="$PWD/$build/chexinstruct"
run() { # run LABEL OPTIONS...: one build from an empty catalogue, wall and CPU seconds
	label=$1
	shift
	rm -f "$out/b.db"
	/usr/bin/time -f "$label: %e s wall, %U s user, %S s system, %M KB peak" \
		"$cx" --catalogue "$out/b.db" build --sources "$out" --only "$id" "$@" \
		>/dev/null
}
drop() { sync; [ -w /proc/sys/vm/drop_caches ] && echo 3 >/proc/sys/vm/drop_caches || true; }
du -sh --apparent-size "$out/$id/$images"
drop; run "cold, no image check" --no-image-check
drop; run "cold, header pass"
run "warm, no image check" --no-image-check
run "warm, header pass"
run "warm, header pass (again)"
