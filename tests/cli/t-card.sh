#!/usr/bin/env bash
# t-card.sh - licences and the dataset card: every record's metadata and every
# mix entry of the manifest name their source, licence and access class; the
# card (README.md in the output folder) states the manifest's facts, which a
# parser of the card compares one by one, and verify checks it byte for byte;
# shard --access public keeps only public sources, every instance left out
# counted. Prints TAP. Run from the repository root with the binary as $1.
set -u
. "$(dirname "$0")/tap.sh"
db="$tmp/demo.db"
"$cx" --catalogue "$db" build --sources sources/ --only "$frozen" >/dev/null 2>&1
shd() { "$cx" --catalogue "$db" shard "$@"; }
shd --out "$tmp/all" --split train >/dev/null 2>&1
check "shard writes the card, README.md, beside the manifest" test -s "$tmp/all/README.md"
shd --out "$tmp/all2" --split train >/dev/null 2>&1
check "two runs write the same card" cmp "$tmp/all/README.md" "$tmp/all2/README.md"
check "verify checks the card (ok)" "$cx" verify "$tmp/all"

# card_facts DIR: the card's facts, parsed from its Markdown, against the manifest's
card_facts() {
  python3 - "$1" <<'PY'
import json, re, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
card = open(d + "/README.md").read()
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append("%s: card %r, manifest %r" % (what, got, exp))
def table(title):
    sec = card.split("\n### Per %s\n" % title)[1] if "### Per %s\n" % title in card else \
        card.split("\n## %s\n" % title)[1]
    rows = sec.strip("\n").split("\n\n")[0].splitlines()[2:]
    return [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows]
head = re.search(r"- records: (\d+), in (\d+) shards \((\w+) format\), (\d+) bytes", card)
want("records, shards, format, bytes", head.groups() if head else None,
     (str(m["records"]), str(len(m["shards"])), m["record_format"], str(m["bytes"])))
want("split", re.search(r"- split: (\w+)", card).group(1), m["split"])
want("access", re.search(r"- access: (\w+)", card).group(1), m["config"]["access"])
left = re.search(r"- left out: (\d+) \(`leakage.json` lists each with its reason\)(?:: (.*))?\n", card)
want("left out", (int(left.group(1)), left.group(2) or ""),
     (m["removed"]["total"], ", ".join("%s %d" % (k, v) for k, v in m["removed"].items() if k != "total")))
caps = {}
for e in m["mix"]:
    caps[e["capability"]] = caps.get(e["capability"], 0) + e["records"]
want("per capability", {r[0]: int(r[1]) for r in table("capability")}, caps)
want("per task", {r[0]: int(r[1]) for r in table("task")}, m["counts"]["task"])
want("per dataset", {r[0]: int(r[1]) for r in table("dataset")}, m["counts"]["dataset"])
want("per entry", [(r[0], r[1], r[2], r[3], int(r[4]), r[5], r[6], int(r[7])) for r in table("entry (the mix)")],
     [(e["entry"], e["source"], e["license"], e["access"], e["available"], "%.4f" % e["requested"],
       "%.4f" % e["achieved"], e["records"]) for e in m["mix"]])
want("sources", [tuple(r[:5]) + (int(r[5]),) for r in table("Sources, licences and citations")],
     [(s["source"], s["dataset"], s["versions"], s["license"], s["access"], s["records"]) for s in m["sources"]])
for s in m["sources"]:
    line = "- %s: %s\n" % (s["dataset"], s["citation"] or "see `sources/%s.md` of chexinstruct" % s["source"])
    if line not in card:
        bad.append("no citation line for %s" % s["source"])
want("records per source add up", sum(s["records"] for s in m["sources"]), m["records"])
for key, label in (("seed", "shard seed (`shard --seed`)"), ("build_seed", "build seed (`build --seed`)")):
    want(key, re.search(re.escape("- " + label) + r": (\d+)", card).group(1), str(m[key]))
for key in ("catalogue_fingerprint", "template_fingerprint"):
    want(key, re.search("- %s: `(\\w+)`" % key.replace("_", " "), card).group(1), m[key])
for k, v in m["config"].items():
    want("config " + k, re.search(r"- %s: `(.*)`\n" % re.escape(k), card).group(1),
         json.dumps(v, separators=(",", ":")))
devs = re.findall(r"^\| (\d+) \| ([^|]*?) \|", open("DEVIATIONS.md").read(), re.M)
want("deviations", re.findall(r"^(\d+)\. (.*)$", card.split("## Deviations from the official build")[1], re.M),
     [(n, w) for n, w in devs])
print("\n".join(bad))
sys.exit(bool(bad))
PY
}
check "the card states the manifest's facts: totals, counts per capability, task, dataset and entry, sources, licences, citations, seeds, fingerprints, config, deviations" card_facts "$tmp/all"
check "every mix entry names its capability, source, licence and access" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
terms = {s["source"]: (s["license"], s["access"]) for s in m["sources"]}
sys.exit(not all(e["source"] in terms and (e["license"], e["access"]) == terms[e["source"]] and e["capability"]
                 for e in m["mix"] if e["records"]))' "$tmp/all/manifest.json"
check "every record's metadata names its source, licence and access, as the manifest does" env PYTHONPATH=shards python3 -c '
import json, sys
from chexinstruct_shards import ChexinstructDataset
ds = ChexinstructDataset(sys.argv[1])
m = ds.shards.manifest
terms = {s["dataset"]: (s["source"], s["license"], s["access"]) for s in m["sources"]}
got = {}
for i in range(len(ds)):
    meta = ds[i]["meta"]
    if (meta["source"], meta["license"], meta["access"]) != terms[meta["dataset"]]:
        sys.exit("record %d: %r" % (i, meta))
    got[meta["source"]] = got.get(meta["source"], 0) + 1
sys.exit(got != {s["source"]: s["records"] for s in m["sources"]})' "$tmp/all"
check "the demo holds credentialed and public sources" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(sorted({s["access"] for s in m["sources"]}) != ["credentialed", "public"])' "$tmp/all/manifest.json"

shd --out "$tmp/pub" --split train --access public >/dev/null 2>&1
check "shard --access public exits 0 and verifies" "$cx" verify "$tmp/pub"
check "  only public sources are left, with the records they had" python3 -c '
import json, sys
a, p = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
pub = {s["source"]: s["records"] for s in a["sources"] if s["access"] == "public"}
sys.exit(not ({s["source"]: s["records"] for s in p["sources"]} == pub and
              {s["access"] for s in p["sources"]} == {"public"} and p["config"]["access"] == "public"))' \
  "$tmp/all" "$tmp/pub"
cred=$(sqlite3 "$db" "SELECT count(*) FROM instance n JOIN entry e ON e.id = n.entry_id
  JOIN dataset d ON d.id = e.dataset_id WHERE n.split = 'train' AND d.access <> 'public'")
check "  the $cred train instances of credentialed sources are counted as credentialed-source" \
  python3 -c '
import json, sys
a, p = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
sys.exit(not (int(sys.argv[3]) > 0 and p["removed"]["credentialed-source"] == int(sys.argv[3]) and
              p["records"] + p["removed"]["total"] == a["records"] + a["removed"]["total"]))' \
  "$tmp/all" "$tmp/pub" "$cred"
check "  and the card says so, stating the manifest's facts" card_facts "$tmp/pub"
check "  in its access line" grep -qx -- "- access: public (\`shard --access public\`: sources that need credentials left out)" "$tmp/pub/README.md"
shd --out "$tmp/pubs" --split train --access public --image-size 32 >/dev/null 2>&1
check "--access public with --image-size (the left-out sources' images not transcoded) verifies, same records" \
  sh -c "'$cx' verify '$tmp/pubs' >/dev/null && test \"\$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[\"counts\"])' '$tmp/pubs/manifest.json')\" = \"\$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[\"counts\"])' '$tmp/pub/manifest.json')\""
shd --out "$tmp/bad" --split train --access open >/dev/null 2>"$tmp/bad.err"
check "--access takes public or credentialed (exit 2 otherwise)" test "$?:$(head -1 "$tmp/bad.err")" = \
  "2:chexinstruct: shard: --access is public or credentialed, not 'open'"

printf '%s' '{"proportion": {"dataset": {"VQA-RAD": 0.25}}, "total": 20, "hygiene": {"VQA-RAD": "split"}}' >"$tmp/mix.json"
shd --out "$tmp/mixed" --split train --mix "$tmp/mix.json" --allow-short-mix >/dev/null 2>&1
check "a mix with a share and a hygiene policy: the set verifies (card included)" \
  "$cx" verify "$tmp/mixed"
check "  the card states the manifest's facts" card_facts "$tmp/mixed"
check "  its hygiene policies and requests, row for row" python3 -c '
import json, re, sys
m = json.load(open(sys.argv[1] + "/manifest.json")); card = open(sys.argv[1] + "/README.md").read()
hyg = [(e["entry"], e["hygiene"], json.dumps(e["leaks"], separators=(",", ":"))) for e in m["mix"] if "hygiene" in e]
got = re.findall(r"^\| (\[[^|]*\]) \| (\w+) \| `(.*)` \|$", card.split("### Hygiene policies")[1].split("\n\n###")[0], re.M)
reqs = [(list(r)[0] + " " + r[list(r)[0]], r["requested"], r["records"]) for r in m["requests"]]
rows = re.findall(r"^\| (\w+ [^|]*?) \| (?:share|weight) [^|]* \| (\d+) \| (\d+) \|", card.split("### Requests")[1], re.M)
print(hyg, got, reqs, rows)
sys.exit(not (hyg and [tuple(h) for h in hyg] == got and reqs == [(a, int(b), int(c)) for a, b, c in rows]))' "$tmp/mixed"
shd --out "$tmp/wds" --split val --format webdataset >/dev/null 2>&1
check "a webdataset set has its card too, verified" sh -c "test -s '$tmp/wds/README.md' && '$cx' verify '$tmp/wds'"
check "  stating its manifest's facts" card_facts "$tmp/wds"
printf '\nedited\n' >>"$tmp/all2/README.md"
"$cx" verify "$tmp/all2" >/dev/null 2>"$tmp/v.err"
check "an edited card fails verify (exit 1) with one line" test "$?:$(cat "$tmp/v.err")" = \
  "1:chexinstruct: verify: README.md: not the card manifest.json gives (edited?)"
rm "$tmp/all2/README.md"
"$cx" verify "$tmp/all2" >/dev/null 2>"$tmp/v.err"
check "a missing card fails verify (exit 1)" test "$?:$(cat "$tmp/v.err")" = \
  "1:chexinstruct: verify: README.md: missing or unreadable (the dataset card)"
shd --out "$tmp/all" --split train --overwrite --seed 3 >/dev/null 2>&1
check "--overwrite replaces the card with the new set's" sh -c "
  grep -qx -- '- shard seed (\`shard --seed\`): 3' '$tmp/all/README.md' && '$cx' verify '$tmp/all'"
tap_done
