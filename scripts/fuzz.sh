#!/usr/bin/env bash
# Fuzzes every parser and decoder with libFuzzer (tests/fuzz/README.md):
# configures build-fuzz/ with clang, -Dfuzz=true and AddressSanitizer +
# UndefinedBehaviorSanitizer, builds the targets asked for, and runs them one
# after the other (one core: the machine is shared), each for MINUTES, in
# libFuzzer's fork mode so that a finding is saved and the run goes on.
# Not part of the test suite or CI: the suite only replays the corpora.
#
#   bash scripts/fuzz.sh [MINUTES] [TARGET...]    # default 2 minutes, every target
#
# CX_FUZZ_RUNS=N stops each target after N executions instead (MINUTES is
# then the upper bound). Each target's working corpus is
# build-fuzz/corpus/<target>/, started from tests/fuzz/corpus/<target>/ and
# tests/fuzz/regressions/<target>/ (read, never written); what it finds
# (crash-*, leak-*, timeout-*, oom-*: over 1 GB or 10 s) lands in
# build-fuzz/finds/<target>/. At the end one line per target: executions,
# seconds, corpus size, findings. Exit status 1 when any target found
# something.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-2}
shift || true
all=(csv json list name rle pylist lines sections archive openi slake vqarad mimic rsna covidx
     cxrlt mscxrt dicomhead dicom image tmpl mix shard verify brax nlmtb jsrt vindr siim
     candid objcxr chestxdet mscxr recipe jsonscan)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
secs=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
out=build-fuzz

# Longest input per target: a few times the largest seed, small enough to
# keep each execution fast.
max_len() {
	case $1 in
	name | rle | mix | dicomhead | recipe | jsonscan) echo 4096 ;;
	list | sections | openi | tmpl | shard | verify) echo 16384 ;;
	*) echo 65536 ;;
	esac
}

if [ ! -f "$out/build.ninja" ]; then
	CC=clang CXX=clang++ meson setup "$out" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$out" -j2 "${targets[@]/#/tests/fuzz/fuzz-}" >/dev/null

scratch=$(mktemp -d /dev/shm/cx-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export CX_FUZZ_DIR=$scratch
# UBSan findings are crashes, not warnings.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

status=0
report=()
for t in "${targets[@]}"; do
	corpus=$out/corpus/$t finds=$out/finds/$t log=$out/fuzz-$t.log
	mkdir -p "$corpus" "$finds"
	seeds=(tests/fuzz/corpus/"$t")
	[ -d tests/fuzz/regressions/"$t" ] && seeds+=(tests/fuzz/regressions/"$t")
	before=$(find "$finds" -type f | wc -l)
	runs=()
	[ -n "${CX_FUZZ_RUNS:-}" ] && runs=(-runs="$CX_FUZZ_RUNS")
	# the guarded DICOM path may wait 30 s for a worker (CX_DICOM_WORKER_SECONDS)
	timeout=10
	[ "$t" = dicom ] && timeout=40
	echo "== fuzz-$t: $minutes min" >&2
	start=$(date +%s)
	"$out/tests/fuzz/fuzz-$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$secs" "${runs[@]}" -max_len="$(max_len "$t")" -timeout=$timeout \
		-rss_limit_mb=1024 -close_fd_mask=3 -artifact_prefix="$finds/" \
		"$corpus" "${seeds[@]}" >"$log" 2>&1 || true
	took=$(($(date +%s) - start))
	# fork mode's last status line: "#EXECS: cov: .. corp: N/.. .. oom/timeout/crash: a/b/c"
	last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
	execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"${last:-#0:}")
	found=$(($(find "$finds" -type f | wc -l) - before))
	files=$(find "$corpus" -type f | wc -l)
	[ "$found" -eq 0 ] || status=1
	report+=("$(printf '%-10s %12s execs %6s s %6s corpus %3s findings' "$t" "$execs" "$took" \
		"$files" "$found")")
done
printf '%s\n' "${report[@]}"
exit $status
