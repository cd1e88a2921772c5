#!/usr/bin/env python3
"""Reads back what t-exports.c wrote, with readers written from the formats.

  check_exports.py wds DIR MAX_RECORDS   WebDataset tars (Python's tarfile)
  check_exports.py mds DIR               MosaicML Streaming MDS shards

Standard library only (plus the xxhash module for the hashes, when present).
The records are the four of t-exports.c, rebuilt here by the same rule.
Prints one '# ok - ...' line per check, '# FAIL - ...' on the first failure,
and exits 0 when every check passed.
"""
import json
import os
import re
import struct
import sys
import tarfile

try:
    import xxhash
except ImportError:
    xxhash = None


def image_bytes(r, i, kind, n):
    data = bytearray((17 * r + 5 * i + k) & 0xFF for k in range(n))
    magic = b"\xff\xd8\xff" if kind == "jpg" else b"\x89PNG"
    data[: len(magic)] = magic
    return bytes(data)


# key, instruction, answer, images (kind, length); metadata built below.
RECORDS = [
    ("000000", "Is there cardiomegaly?", "Yes.", [("jpg", 700)]),
    ("000001", "Compare the prior and the current image.", "Unchanged.",
     [("jpg", 513), ("png", 40)]),
    ("000002", "Summarise: \u00d6dem beidseits.", "Bilateral edema.", []),
    ("000003", "Which view is this?", "Lateral.", [("png", 512)]),
]


def expected():
    out = []
    for r, (key, ins, ans, imgs) in enumerate(RECORDS):
        meta = '{"key":"k%d","task":"t%d"}' % (r, r)
        images = [(kind, image_bytes(r, i, kind, n)) for i, (kind, n) in enumerate(imgs)]
        out.append({"key": key, "instruction": ins, "answer": ans, "meta": meta,
                    "images": images})
    return out


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)
    print("# ok - " + what)


def xxh3_hex(data):
    return xxhash.xxh3_64(data).hexdigest()


# --- WebDataset -----------------------------------------------------------

KEY_RE = re.compile(r"^((?:.*/|)[^.]+)[.]([^/]*)$")  # webdataset's base_plus_ext


def group_samples(tf):
    """Groups members the way webdataset's tariterators do, checking its rules."""
    samples, seen = [], set()
    for m in tf.getmembers():
        match = KEY_RE.match(m.name)
        check(match is not None, "member %s has a key and an extension" % m.name)
        key, field = match.group(1), match.group(2)
        check(field == field.lower(), "%s: field is lower-case" % m.name)
        if not samples or samples[-1]["__key__"] != key:
            check(key not in seen, "%s: members of key %s are adjacent" % (m.name, key))
            seen.add(key)
            samples.append({"__key__": key, "__members__": []})
        s = samples[-1]
        check(field not in s, "%s: no duplicate field in sample %s" % (m.name, key))
        s[field] = tf.extractfile(m).read()
        s["__members__"].append(m)
    return samples


def check_wds(d, max_records):
    want = expected()
    names = sorted(os.listdir(d))
    nshards = (len(want) + max_records - 1) // max_records
    tars = ["shard-%06d.tar" % i for i in range(nshards)]
    check(names == sorted(tars + [t + ".idx" for t in tars]),
          "wds folder holds %s and their .idx, no temporary files" % tars)
    got = []
    for t in tars:
        path = os.path.join(d, t)
        with open(path, "rb") as f:
            raw = f.read()
        check(raw[257:265] == b"ustar\x0000", "%s: POSIX ustar headers" % t)
        with tarfile.open(path) as tf:
            samples = group_samples(tf)
        check(len(samples) <= max_records, "%s: at most %d samples" % (t, max_records))
        for s in samples:
            members = s["__members__"]
            for m in members:
                check(m.isreg() and m.mode == 0o444 and m.mtime == 0 and m.uid == 0 and
                      m.gid == 0 and m.uname == "" and m.gname == "",
                      "%s: deterministic header (0444, mtime 0, uid/gid 0)" % m.name)
            fields = [KEY_RE.match(m.name).group(2) for m in members]
            check(fields == sorted(fields), "%s: fields sorted %s" % (s["__key__"], fields))
        idx = open(path + ".idx", "rb").read()
        n = len(idx) // 8
        offs = struct.unpack("<%dQ" % n, idx)
        check(len(idx) == 8 * (len(samples) + 1), "%s.idx: N+1 u64 entries" % t)
        first = [s["__members__"][0].offset for s in samples]
        last = samples[-1]["__members__"][-1]
        end = last.offset_data + (last.size + 511) // 512 * 512
        check(list(offs) == first + [end], "%s.idx: sample header offsets and end" % t)
        got.extend(samples)

    check(len(got) == len(want), "wds: %d samples in all" % len(want))
    for s, w in zip(got, want):
        fields = {"answer.txt": w["answer"].encode(), "instruction.txt":
                  w["instruction"].encode(), "json": w["meta"].encode()}
        for i, (kind, data) in enumerate(w["images"]):
            fields["img%d.%s" % (i, kind)] = data
        have = {k: v for k, v in s.items() if not k.startswith("__")}
        check(s["__key__"] == w["key"], "wds sample key %s" % w["key"])
        check(have == fields, "wds sample %s: fields %s with exact bytes" %
              (w["key"], sorted(fields)))


# --- MDS ------------------------------------------------------------------

COLUMNS = ["answer", "images", "instruction", "key", "meta"]
ENCODINGS = ["str", "list[jpeg]", "str", "str", "json"]
SHARD_KEYS = ["column_encodings", "column_names", "column_sizes", "compression", "format",
              "hashes", "raw_data", "samples", "size_limit", "version", "zip_data"]


def config(size_limit):
    return {"column_encodings": ENCODINGS, "column_names": COLUMNS,
            "column_sizes": [None] * 5, "compression": None, "format": "mds",
            "hashes": ["xxh3_64"], "size_limit": size_limit, "version": 2}


def decode_list(data):
    """list[jpeg]: u32 placeholder, u32 n, u32 sizes[n], then the elements."""
    zero, n = struct.unpack_from("<II", data, 0)
    sizes = struct.unpack_from("<%dI" % n, data, 8)
    pos, out = 8 + 4 * n, []
    for size in sizes:
        out.append(data[pos:pos + size])
        pos += size
    check(zero == 0 and pos == len(data), "list[jpeg] layout of %d images" % n)
    return out


def read_mds_shard(path, entry):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack_from("<I", raw, 0)[0]
    offs = struct.unpack_from("<%dI" % (n + 1), raw, 4)
    cfg = json.dumps(config(entry["size_limit"]), sort_keys=True).encode()
    check(n == entry["samples"], "%s: %d samples as index.json says" % (path, n))
    check(raw[4 + 4 * (n + 1):offs[0]] == cfg, "%s: embedded config byte for byte" % path)
    check(offs[0] == 4 + 4 * (n + 1) + len(cfg) and offs[-1] == len(raw),
          "%s: offsets start after the config and end at the file size" % path)
    samples = []
    for i in range(n):
        rec = raw[offs[i]:offs[i + 1]]
        sizes = struct.unpack_from("<5I", rec, 0)
        pos, cols = 20, {}
        for name, size in zip(COLUMNS, sizes):
            cols[name] = rec[pos:pos + size]
            pos += size
        check(pos == len(rec), "%s sample %d: column lengths fill the sample" % (path, i))
        samples.append({"key": cols["key"].decode(), "answer": cols["answer"].decode(),
                        "instruction": cols["instruction"].decode(),
                        "meta": json.loads(cols["meta"].decode()),
                        "images": decode_list(cols["images"]), "size": len(rec)})
    return raw, samples


def check_mds(d):
    want = expected()
    with open(os.path.join(d, "index.json"), "rb") as f:
        index_raw = f.read()
    index = json.loads(index_raw)
    check(sorted(index) == ["shards", "version"] and index["version"] == 2,
          "index.json: keys shards and version 2")
    shards = index["shards"]
    names = ["shard.%05d.mds" % i for i in range(len(shards))]
    check(sorted(os.listdir(d)) == sorted(names + ["index.json"]),
          "mds folder holds %s and index.json only" % names)
    got, rebuilt = [], []
    for name, e in zip(names, shards):
        check(sorted(e) == SHARD_KEYS, "%s: exactly the MDSReader keys" % name)
        check(e["zip_data"] is None and e["compression"] is None, "%s: uncompressed" % name)
        check(0 < e["size_limit"] < 2 ** 32, "%s: size_limit below 2^32" % name)
        raw, samples = read_mds_shard(os.path.join(d, name), e)
        info = {"basename": name, "bytes": len(raw), "hashes": e["raw_data"]["hashes"]}
        if xxhash is not None:
            info["hashes"] = {"xxh3_64": xxh3_hex(raw)}
        check(e["raw_data"] == info, "%s: raw_data basename, bytes and hashes" % name)
        check(len(raw) <= e["size_limit"] or len(samples) == 1,
              "%s: within size_limit" % name)
        got.append(samples)
        ent = dict(config(e["size_limit"]))
        ent.update({"raw_data": info, "samples": len(samples), "zip_data": None})
        rebuilt.append(ent)
    if xxhash is None:
        print("# note: Python's xxhash module is missing (Debian: python3-xxhash); "
              "xxh3_64 hashes not recomputed")
    text = json.dumps({"shards": rebuilt, "version": 2}, sort_keys=True).encode()
    check(index_raw == text, "index.json is json.dumps(sort_keys=True) byte for byte")
    # MDSWriter starts a shard when the next sample would pass size_limit.
    for a, b, e in zip(got, got[1:], shards):
        size = e["raw_data"]["bytes"]
        check(size + b[0]["size"] + 4 > e["size_limit"],
              "shard ends only when the next sample would not fit")
    flat = [s for shard in got for s in shard]
    check(len(flat) == len(want), "mds: %d samples in all" % len(want))
    for s, w in zip(flat, want):
        check(s["key"] == w["key"] and s["instruction"] == w["instruction"] and
              s["answer"] == w["answer"] and s["meta"] == json.loads(w["meta"]) and
              s["images"] == [data for _, data in w["images"]],
              "mds sample %s: every column exact" % w["key"])


def main(argv):
    try:
        if argv[1] == "wds":
            check_wds(argv[2], int(argv[3]))
        elif argv[1] == "mds":
            check_mds(argv[2])
        else:
            raise Failed("unknown kind " + argv[1])
    except Failed as e:
        print("# FAIL - " + str(e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
