#!/usr/bin/env bash
# The main job on the bundled demo releases: build the catalogue from
# sources/, then show what came out (stats, the task tree, a few samples) and
# audit every rendered instance (exit 1 when a check fails).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cx=./build/chexinstruct
db=demo.db
rm -f "$db"
$cx --catalogue "$db" build --sources sources/
echo
$cx --catalogue "$db" stats
echo
$cx --catalogue "$db" sample --task vqa -n 3
$cx --catalogue "$db" sample --task image-classification -n 2
echo
$cx --catalogue "$db" audit
