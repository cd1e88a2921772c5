#!/usr/bin/env bash
# Fuzzes the adapters' read loops (builder/adapters/rows.c), the SIIM-ACR RLE
# decoder (builder/adapters/rle.c), the DICOM header walk that runs before
# GDCM (builder/image/dicom-check.c) and the whole guarded DICOM path (probe,
# walk, GDCM in its worker process: builder/image/dicom-guard.c) with libFuzzer:
# builds each target of tests/fuzz/ with clang -fsanitize=fuzzer,address,undefined
# and runs it for a bounded time. Not part of the test suite or CI.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     # default 120 s, every target
#
# Builds into build-fuzz/; each target keeps its corpus in
# build-fuzz/corpus-<target>/ (seeded from the demo releases on the first run)
# and writes any crash to build-fuzz/crash-<target>-*. Exit status 1 when a
# target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv json list name rle dicomhead dicom)
out=build-fuzz
mkdir -p "$out"

core=(builder/util/error.c builder/util/buf.c builder/util/text.c builder/util/file.c
      builder/io/release.c builder/io/stream.c builder/io/csv.c builder/io/lines.c
      builder/adapters/emit.c builder/adapters/rows.c builder/adapters/json-file.c
      builder/adapters/strset.c builder/adapters/facts.c builder/adapters/rle.c
      builder/image/dicom-check.c)
libs=$(pkg-config --libs libcjson libarchive libxxhash)
cflags=$(pkg-config --cflags libcjson libarchive libxxhash)

# One seed file: a mode byte, then the bytes of a file.
seed() { # target name mode-byte file
	local dir=$out/corpus-$1
	mkdir -p "$dir"
	{ printf "$3"; cat "$4"; } >"$dir/seed-$2"
}
seed_text() { # target name mode-byte text
	local dir=$out/corpus-$1
	mkdir -p "$dir"
	printf "$3%s" "$4" >"$dir/seed-$2"
}

if [ ! -d "$out/corpus-rle" ]; then
	seed_text rle two-runs '\x10\x00\x10\x00' '3 2 10 4 40 1'
	seed_text rle bad '\x04\x00\x04\x00' '1 0 3'
fi
for t in dicomhead dicom; do
	[ -d "$out/corpus-$t" ] && continue
	for f in tests/fixtures/image/*.dcm tests/fixtures/image/regressions/*.dcm; do
		seed $t "$(basename "$f" .dcm)" '' "$f"
	done
done
if [ ! -d "$out/corpus-csv" ]; then
	seed_text csv plain '\0' $'a,b,c\n1,2,3\n"x\ny",,\n4,5\n'
	seed_text csv tsv '\1' $'a\tb\n1\t2\n'
	seed_text csv named '\2' $'a,b,,,\n1,2\n1,2,,\n1,2,3\n'
	seed_text json list '\0' '[{"id":1,"name":"a/b.jpg","n":2},{"id":"x","name":null},3,[]]'
	seed_text json lines '\1' $'{"id":1,"name":"x"}\n\n{"id":2.5}\nnot json\n[1]\n'
	seed_text json null '\2' '[{"id":"NULL"},{"id":"7","name":"NULL"}]'
	seed_text list rows '\0' $'a b\tc\n\n  \nd\n'
	seed_text list index '\1' $'00000001_000.png\n00000002_000.png\n'
	seed_text name path '\0' 'imgs/xmlab1/source.jpg'
	seed_text name file '\1' '../x.jpg'
	seed json vqa-rad '\2' "sources/vqa-rad/VQA_RAD Dataset Public.json"
	seed json slake '\0' sources/slake/train.json
	seed list nih '\1' sources/nih-chestxray14/train_val_list.txt
	[ -f sources/chexpert/CheXpert-v1.0-small/valid.csv ] &&
		seed csv chexpert '\0' sources/chexpert/CheXpert-v1.0-small/valid.csv
fi

scratch=$(mktemp -d /dev/shm/cx-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export CX_FUZZ_DIR=$scratch

status=0
for t in "${targets[@]}"; do
	bin=$out/fuzz-$t
	echo "== fuzz-$t: building" >&2
	extra=() extra_libs="" timeout=10
	if [ "$t" = dicom ]; then # GDCM (C++) and the image library; a worker may take 30 s
		clang++ -std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=vptr -Ibuilder \
			-isystem /usr/include/gdcm-3.0 -c builder/image/dicom-gdcm.cpp -o "$out/dicom-gdcm.o"
		extra=(builder/image/probe.c builder/image/decode.c builder/image/dicom-guard.c
		       "$out/dicom-gdcm.o")
		extra_libs="-lgdcmMSFF -lgdcmDSED -lgdcmCommon -lpng -lturbojpeg -lstdc++ -lpthread"
		timeout=40
	fi
	# shellcheck disable=SC2086
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Ibuilder $cflags "tests/fuzz/fuzz-$t.c" "${core[@]}" "${extra[@]}" -o "$bin" $libs \
		-lcsv -lm $extra_libs
	echo "== fuzz-$t: running for $secs s" >&2
	mkdir -p "$out/corpus-$t"
	if ! "$bin" -max_total_time="$secs" -max_len=65536 -timeout=$timeout -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/crash-$t-" "$out/corpus-$t" \
		2>"$out/fuzz-$t.log"; then
		status=1
		echo "== fuzz-$t: FOUND SOMETHING, see $out/fuzz-$t.log" >&2
	fi
	grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs|^dicom guard:" \
		"$out/fuzz-$t.log" >&2 || true
done
exit $status
