#!/usr/bin/env python3
"""Reads chexinstruct's WebDataset and MDS exports with the upstream readers.

    check-upstream-readers.py NATIVE_DIR [--webdataset WDS_DIR --webdataset-src SRC]
                              [--mds MDS_DIR --streaming-src SRC]

NATIVE_DIR is a native shard folder of the same split, seed and catalogue; every
sample the upstream reader gives must equal the native record at the same
position (instruction, answer, metadata, number of images), and every image must
decode. SRC are source checkouts of github.com/webdataset/webdataset (its src/
folder holds the package) and github.com/mosaicml/streaming. MosaicML Streaming's
package __init__ needs torch, so its MDS reader, encodings and hashing modules are
loaded on their own. Needs numpy, PIL, xxhash, braceexpand and typing_extensions
(Debian: python3-numpy python3-pil python3-xxhash python3-braceexpand
python3-typing-extensions). Not part of the test suite: the upstream packages are
not in Debian, so CI cannot have them.
"""
import argparse
import glob
import importlib.util
import json
import os
import sys
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shards"))
from chexinstruct_shards import ChexinstructDataset  # noqa: E402


def same(n, got_ins, got_ans, got_meta, got_images, want):
    assert got_ins == want["instruction"], n
    assert got_ans == want["answer"], n
    assert got_meta == want["meta"], (n, got_meta, want["meta"])
    assert len(got_images) == len(want["images"]), n
    for im in got_images:
        im.load()
        assert im.size[0] > 0 and im.size[1] > 0, n


def check_webdataset(folder, src, nat):
    sys.path.insert(0, os.path.join(src, "src"))
    import webdataset as wds
    urls = sorted(glob.glob(os.path.join(folder, "shard-*.tar")))
    n = 0
    for s in wds.WebDataset(urls, shardshuffle=False).decode("pil"):
        assert s["__key__"] == "%09d" % n, s["__key__"]
        imgs = [s[k] for k in sorted(s) if k.startswith("img")]
        same(n, s["instruction.txt"], s["answer.txt"], s["json"], imgs, nat[n])
        n += 1
    assert n == len(nat), (n, len(nat))
    print("webdataset %s: %d tar shards, %d samples, all equal to the native records"
          % (getattr(wds, "__version__", "?"), len(urls), n))


def streaming_modules(src):
    for name in ["streaming", "streaming.base", "streaming.base.format",
                 "streaming.base.format.base", "streaming.base.format.mds"]:
        m = types.ModuleType(name)
        m.__path__ = [os.path.join(src, *name.split("."))]
        sys.modules[name] = m
    util = types.ModuleType("streaming.base.util")  # the real one imports torch
    util.bytes_to_int = int
    sys.modules["streaming.base.util"] = util

    def load(name):
        path = os.path.join(src, *name.split(".")) + ".py"
        spec = importlib.util.spec_from_file_location(name, path)
        m = importlib.util.module_from_spec(spec)
        sys.modules[name] = m
        spec.loader.exec_module(m)
        return m
    load("streaming.base.array")
    load("streaming.base.format.base.reader")
    load("streaming.base.format.mds.encodings")
    return load("streaming.base.format.mds.reader").MDSReader, load("streaming.base.hashing")


def check_mds(folder, src, nat):
    reader, hashing = streaming_modules(src)
    index = json.load(open(os.path.join(folder, "index.json")))
    n = 0
    for info in index["shards"]:
        raw = info["raw_data"]
        data = open(os.path.join(folder, raw["basename"]), "rb").read()
        assert len(data) == raw["bytes"], raw
        for algo, want in raw["hashes"].items():
            assert hashing.get_hash(algo, data) == want, (raw["basename"], algo)
        r = reader.from_json(folder, None, info)
        r.validate(allow_unsafe_types=False)
        for i in range(r.samples):
            s = r.get_item(i)
            same(n, s["instruction"], s["answer"], s["meta"], s["images"], nat[n])
            n += 1
    assert n == len(nat), (n, len(nat))
    print("MosaicML Streaming MDSReader: %d shards (sizes and hashes checked), %d samples,"
          " all equal to the native records" % (len(index["shards"]), n))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("native")
    ap.add_argument("--webdataset")
    ap.add_argument("--webdataset-src")
    ap.add_argument("--mds")
    ap.add_argument("--streaming-src")
    a = ap.parse_args()
    nat = ChexinstructDataset(a.native)
    if a.webdataset:
        check_webdataset(a.webdataset, a.webdataset_src, nat)
    if a.mds:
        check_mds(a.mds, a.streaming_src, nat)


if __name__ == "__main__":
    main()
