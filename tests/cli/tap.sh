# tap.sh - sourced by the command-line tests (t-*.sh): a scratch folder, TAP
# counters and the check helpers. A script sources it, runs its checks, and
# ends with `tap_done`.
cx="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
bad=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; }
check() { # check WHAT COMMAND...: passes when the command succeeds
  local what="$1"; shift
  if "$@" >"$tmp/check.out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/#   /' "$tmp/check.out" | head -20; fi
}
tap_done() {
  echo "1..$n"
  [ "$bad" -eq 0 ]
}
