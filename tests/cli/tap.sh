# tap.sh - sourced by the command-line tests (t-*.sh): a scratch folder, TAP
# counters (tap_n, tap_bad) and the check helpers. A script sources it, runs its checks, and
# ends with `tap_done`.
cx="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tap_n=0
tap_bad=0
# The frozen fixture set: the command-line tests build these sources and no
# others (build --only "$frozen"), so adding a source to sources/ and to
# builder/adapters/sources.list changes only that source's own tests and
# goldens, never these.
frozen=mimic-cxr,chexpert,nih-chestxray14,openi,vqa-rad,slake

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() { tap_n=$((tap_n + 1)); tap_bad=$((tap_bad + 1)); echo "not ok $tap_n - $1"; }
check() { # check WHAT COMMAND...: passes when the command succeeds
  local what="$1"; shift
  if "$@" >"$tmp/check.out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/#   /' "$tmp/check.out" | head -20; fi
}
tap_done() {
  echo "1..$tap_n"
  [ "$tap_bad" -eq 0 ]
}
