#!/usr/bin/env bash
# t-python.sh - the Python readers as a trainer installs them: `pip install
# ./shards` into a fresh venv with system site packages, offline (--no-index),
# then, from a folder outside the tree, the installed package reads shards the
# binary wrote: two ranks get equal counts, an epoch stopped after k records
# and resumed gives the rest of it, collate batches records. Also: the wheel
# is the same bytes twice, and every README snippet that shuffles is seeded.
# Prints TAP; skips (TAP SKIP) only when Debian's python3 cannot make a venv
# (python3-venv is not installed). Run from the repository root, binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
root=$PWD
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -m venv --system-site-packages "$tmp/venv" >"$tmp/venv.err" 2>&1; then
  echo "1..0 # SKIP $py cannot make a venv (python3-venv not installed): $(head -1 "$tmp/venv.err")"
  exit 0
fi
vpy="$tmp/venv/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
mkdir "$tmp/elsewhere"
(cd "$root/shards" && find . -name __pycache__ -prune -o -print | sort) >"$tmp/before"
cd "$tmp/elsewhere"
check "pip install --no-index ./shards works offline in the fresh venv" \
  "$vpy" -m pip install --no-index "$root/shards"
check "the installed package is the venv's copy, at the version pyproject.toml gives" "$vpy" -c '
import sys, chexinstruct_shards as c
want = [l.split("\"")[1] for l in open(sys.argv[1]) if l.startswith("version = ")][0]
sys.exit(not (c.__file__.startswith(sys.argv[2]) and c.__version__ == want))' \
  "$root/shards/pyproject.toml" "$tmp/venv/lib"
check "the source tree is left as it was (no build folder, no egg-info)" \
  test "$(cat "$tmp/before")" = "$(cd "$root/shards" && find . -name __pycache__ -prune -o -print | sort)"
mkdir "$tmp/w1" "$tmp/w2"
check "pip wheel twice gives the same bytes" sh -c "
  '$vpy' -m pip wheel --no-index -q -w '$tmp/w1' '$root/shards' &&
  '$vpy' -m pip wheel --no-index -q -w '$tmp/w2' '$root/shards' &&
  cmp '$tmp/w1/'*.whl '$tmp/w2/'*.whl"

# shards the binary writes, read by the installed package
cd "$root"
db="$tmp/demo.db"
"$cx" --catalogue "$db" build --sources sources/ --only "$frozen" >/dev/null 2>&1
"$cx" --catalogue "$db" shard --out "$tmp/train" --split train --max-records 8 >/dev/null 2>&1
check "shard --max-records 8 for the reader exits 0" test -f "$tmp/train/manifest.json"
cd "$tmp/elsewhere"
check "two ranks get equal record counts, ceil(N / 2), covering every record" "$vpy" -c '
import json, sys
from chexinstruct_shards import ChexinstructIterableDataset as D
n = json.load(open(sys.argv[1] + "/manifest.json"))["records"]
ds = [D(sys.argv[1], seed=3, rank=k, world_size=2) for k in (0, 1)]
counts = [sum(1 for _ in d) for d in ds]
where = {(s, j) for k in (0, 1) for s, recs in ds[k].plan(k, 2) for j in recs}
print(n, counts, len(where))
sys.exit(not (n > 8 and counts == [(n + 1) // 2] * 2 and len(where) == n))' "$tmp/train"
check "an epoch stopped after k records and resumed gives the rest (every k, both ranks)" "$vpy" -c '
import sys
from chexinstruct_shards import ChexinstructIterableDataset as D
for rank in (0, 1):
    mk = lambda: D(sys.argv[1], seed=5, rank=rank, world_size=2, decode_images=False)
    a = mk(); a.set_epoch(2)
    whole = [(r["meta"]["key"], r["instruction"], r["images"]) for r in a]
    for k in range(len(whole) + 1):
        b = mk(); b.set_epoch(2); it = iter(b)
        head = [next(it) for _ in range(k)]
        c = mk(); c.load_state_dict(b.state_dict()); c.set_epoch(2)
        got = [(r["meta"]["key"], r["instruction"], r["images"]) for r in head + list(c)]
        if got != whole:
            sys.exit("rank %d, k %d differs" % (rank, k))' "$tmp/train"
check "collate batches (images, instruction, answer) of the real records" "$vpy" -c '
import sys
from chexinstruct_shards import ChexinstructDataset, collate
ds = ChexinstructDataset(sys.argv[1])
recs = [ds[i] for i in range(6)]
b = collate(recs)
n = [len(r["images"]) for r in recs]
ok = (b["instruction"] == [r["instruction"] for r in recs] and
      b["answer"] == [r["answer"] for r in recs] and
      [int(x) for x in b["num_images"]] == n and
      [int(x) for x in b["image_record"]] == [i for i, k in enumerate(n) for _ in range(k)] and
      list(b["images"]) == [im for r in recs for im in r["images"]])
sys.exit(not ok)' "$tmp/train"

# Every README snippet that shuffles (or makes a DataLoader) names its seed.
cd "$root"
check "every Python snippet of README.md and shards/README.md that shuffles is seeded" "$py" -c '
import re, sys
bad = []
for path in sys.argv[1:]:
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", open(path).read(), re.S)):
        shuffles = re.search(r"shuffle|DataLoader|WebLoader|load_dataset", block)
        if shuffles and not re.search(r"seed", block):
            bad.append("%s python block %d" % (path, i + 1))
print("\n".join(bad))
sys.exit(bool(bad))' README.md shards/README.md
tap_done
