#!/usr/bin/env bash
# t-viewnorm.sh - views normalised across sources: image.view_norm maps every
# released view (PA, AP, LATERAL, LL, RL, PadChest's AP_horizontal and L,
# oblique and decubitus views, blanks) to PA, AP, LATERAL, OTHER or NULL,
# and the view image_view_count lines the sources up. Prints TAP. Run from
# the repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
db="$tmp/demo.db"
"$cx" --catalogue "$db" build --sources sources/ --only "$frozen" >/dev/null 2>&1
check "image_view_count on the demo: per source, normalised view, the views as released" \
  test "$(sqlite3 "$db" "SELECT source || '|' || ifnull(view_norm, '-') || '|' ||
    ifnull(released, '-') || '|' || images FROM image_view_count ORDER BY 1")" = "chexpert|-|-|5
chexpert|AP|AP 4|4
chexpert|LATERAL|LATERAL 3|3
chexpert|PA|PA 3|3
mimic-cxr|-|-|1
mimic-cxr|AP|AP 3|3
mimic-cxr|LATERAL|LATERAL 2, LL 1|3
mimic-cxr|PA|PA 3|3
nih-chestxray14|AP|AP 4|4
nih-chestxray14|PA|PA 6|6
openi|-|-|7
slake|-|-|3
vqa-rad|-|-|3"
# every spelling the releases use (MIMIC-CXR's ViewPosition, CheXpert's AP/PA,
# PadChest's Projection, BRAX's and JSRT's), written into a copy as images
cp "$db" "$tmp/views.db"
n=0
while IFS='|' read -r view want; do
  n=$((n + 1))
  sqlite3 "$tmp/views.db" "INSERT INTO image(dataset_id, key, path, hrank, view)
    VALUES (1, 'view-$n', 'v$n.jpg', 0, $( [ "$view" = NULL ] && echo NULL || echo "'$view'"))"
  got=$(sqlite3 "$tmp/views.db" "SELECT ifnull(view_norm, 'NULL') FROM image WHERE key = 'view-$n'")
  check "view '$view' is $want" test "$got" = "$want"
done <<'LIST'
PA|PA
pa|PA
AP|AP
 AP |AP
AP SUPINE|AP
AP_horizontal|AP
LATERAL|LATERAL
Lateral|LATERAL
LL|LATERAL
RL|LATERAL
L|LATERAL
XTABLE LATERAL|LATERAL
AP AXIAL|OTHER
PA LLD|OTHER
AP LLD|OTHER
LAO|OTHER
SWIMMERS|OTHER
COSTAL|OTHER
|NULL
NULL|NULL
LIST
tap_done
