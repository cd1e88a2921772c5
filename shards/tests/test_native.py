"""Tests of the native shard readers (python3 -m unittest discover -s tests -t .
from shards/). Standard library only: the shards are written here by a small
writer that follows schema/shard-format.md, not by the C binary. Checksum
tests need XXH3, from the xxhash module (Debian: python3-xxhash) or else from
libxxhash (libxxhash0, on every Debian system), and are skipped without
both; the DataLoader test needs torch and is skipped without it.
"""
import json
import os
import shutil
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from chexinstruct_shards import (HAVE_XXHASH, ChexinstructDataset,  # noqa: E402
                                 ChexinstructIterableDataset, NativeShard, ShardError,
                                 balanced, collate, partition)
from chexinstruct_shards.native import xxh3  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def h(data):
    # Without XXH3 the fixture stores zeros; the reader then skips checks.
    return xxh3(data) if HAVE_XXHASH else 0


def encode_record(instruction, answer, meta, images):
    ins, ans = instruction.encode(), answer.encode()
    m = json.dumps(meta, sort_keys=True).encode()
    head = struct.pack("<IIII", len(ins), len(ans), len(m), len(images))
    for data, kind in images:
        head += struct.pack("<II", len(data), kind)
    body = head + ins + ans + m + b"".join(d for d, _ in images)
    return body + struct.pack("<Q", h(body))


def write_shard(path, records):
    """A native shard per schema/shard-format.md, version 1."""
    recs = [encode_record(*r) for r in records]
    index, off = b"", 64
    for r in recs:
        index += struct.pack("<QQ", off, len(r))
        off += len(r)
    tail = b"".join(recs) + index + struct.pack("<Q", h(index))
    size = 64 + len(tail)
    head = struct.pack("<8sIIQQQQQ", b"CXSHARD\x00", 1, 64, len(recs), off, size, h(tail), 0)
    with open(path, "wb") as f:
        f.write(head + struct.pack("<Q", h(head)) + tail)
    return size, h(tail)


def image(n, kind, tag):
    magic = b"\xff\xd8\xff" if kind == 1 else b"\x89PNG"
    return (magic + bytes((tag + k) & 0xFF for k in range(n)), kind)


def make_folder(folder, sizes):
    """Shards of the given record counts; record g (global) has key 'r<g>'."""
    shards, g = [], 0
    for s, n in enumerate(sizes):
        records = []
        for _ in range(n):
            imgs = [image(20 + g, 1, g)] + ([image(7, 2, g)] if g % 3 == 0 else [])
            if g % 5 == 4:
                imgs = []
            records.append(("Question %d?" % g, "Answer \u00e9 %d." % g,
                            {"key": "r%d" % g, "task": "t", "options": [], "correct": -1},
                            imgs))
            g += 1
        name = "shard-%06d.cxs" % s
        size, digest = write_shard(os.path.join(folder, name), records)
        shards.append({"file": name, "records": n, "bytes": size, "xxh3": "%016x" % digest})
    manifest = {"format": "chexinstruct-shards", "format_version": 1,
                "record_format": "native", "split": "train", "seed": 3, "build_seed": 11,
                "records": g, "shards": shards}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return g


class Folder(unittest.TestCase):
    sizes = [4, 3, 5, 1, 6]

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cxs-test-")
        self.total = make_folder(self.dir, self.sizes)

    def tearDown(self):
        shutil.rmtree(self.dir)


class TestNativeShard(Folder):
    def test_header_and_records(self):
        with NativeShard(os.path.join(self.dir, "shard-000000.cxs"), verify=True) as s:
            self.assertEqual(len(s), 4)
            r = s.read(0)
            self.assertEqual(r["instruction"], "Question 0?")
            self.assertEqual(r["answer"], "Answer \u00e9 0.")
            self.assertEqual(r["meta"]["key"], "r0")
            self.assertEqual(r["image_types"], ["jpeg", "png"])
            self.assertEqual(r["images"][0], image(20, 1, 0)[0])
            self.assertEqual(s.read(3)["meta"]["key"], "r3")
            self.assertIsNone(s.verify_file())
            with self.assertRaises(IndexError):
                s.read(4)

    def test_text_only_record(self):
        ds = ChexinstructDataset(self.dir)
        self.assertEqual(ds[4]["images"], [])
        self.assertEqual(ds[4]["image_types"], [])

    def test_not_a_shard(self):
        path = os.path.join(self.dir, "junk.cxs")
        with open(path, "wb") as f:
            f.write(b"PK\x03\x04" + bytes(100))
        with self.assertRaisesRegex(ShardError, "bad magic"):
            NativeShard(path)

    def test_truncated(self):
        path = os.path.join(self.dir, "shard-000001.cxs")
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 3)
        with self.assertRaisesRegex(ShardError, "the file has"):
            NativeShard(path)

    @unittest.skipUnless(HAVE_XXHASH, "needs the xxhash module (python3-xxhash)")
    def test_flipped_byte_names_the_record(self):
        path = os.path.join(self.dir, "shard-000002.cxs")
        with NativeShard(path) as s:
            off = s._index[2 * 3] + 20  # inside record 3
        with open(path, "r+b") as f:
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ 0x01]))
        with NativeShard(path, verify=True) as s:
            self.assertEqual(s.verify_file(), 3)
            s.read(2)
            with self.assertRaisesRegex(ShardError, "record 3: record hash mismatch"):
                s.read(3)


def flip(path, off, bit=0x01):
    with open(path, "r+b") as f:
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ bit]))


@unittest.skipUnless(HAVE_XXHASH, "needs XXH3 (python3-xxhash or libxxhash)")
class TestDamage(Folder):
    """Issue 10: with the defaults, a damaged shard or manifest is never read
    as a record that differs from what was written, and every refusal is a
    ShardError, not a JSON, Unicode or struct error."""

    def read_all(self, **kw):
        ds = ChexinstructDataset(self.dir, **kw)
        return [ds[g] for g in range(len(ds))]

    def test_record_hash_checked_by_default(self):
        path = os.path.join(self.dir, "shard-000002.cxs")
        with NativeShard(path) as s:
            off = s._index[2 * 3] + 20  # inside record 3 of shard 2: global 10
        flip(path, off)
        ds = ChexinstructDataset(self.dir)
        self.assertEqual(ds[9]["meta"]["key"], "r9")
        with self.assertRaisesRegex(ShardError, "shard-000002.cxs record 3: record hash "
                                    "mismatch"):
            ds[10]
        it = ChexinstructIterableDataset(self.dir, shuffle=False)
        with self.assertRaisesRegex(ShardError, "record 3: record hash mismatch"):
            list(it.iter_part(0, 1))

    def test_verify_false_opts_out(self):
        path = os.path.join(self.dir, "shard-000002.cxs")
        with NativeShard(path) as s:
            off = s._index[2 * 3] + 16 + 8 * 1  # the first byte of record 3's instruction
        flip(path, off)
        ds = ChexinstructDataset(self.dir, verify=False)
        self.assertEqual(ds[10]["instruction"], "Puestion 10?")

    def test_every_single_byte_flip_of_a_shard_is_refused(self):
        path = os.path.join(self.dir, "shard-000001.cxs")
        with open(path, "rb") as f:
            good = f.read()
        for off in range(len(good)):
            for bit in (0x01, 0x80):
                with open(path, "wb") as f:
                    f.write(good[:off] + bytes([good[off] ^ bit]) + good[off + 1:])
                with self.assertRaises(ShardError, msg="byte %d bit %#x" % (off, bit)):
                    self.read_all()

    def write_manifest(self, data):
        with open(os.path.join(self.dir, "manifest.json"), "wb") as f:
            f.write(data)

    def test_damaged_manifest_raises_shard_error(self):
        cases = [
            (b'{"format": "chexinstruct-shards", "shards": [', "damaged, not JSON"),
            (b'{"format": "chexinstruct-shards\xff"}', "damaged, not JSON"),
            (b"\xff\xfe{}", "damaged, not JSON"),
            (b"[1, 2]", "damaged, not a JSON object"),
            (b"[" * 100000, "damaged, not JSON"),
        ]
        for data, want in cases:
            self.write_manifest(data.replace(b"\\xff", b"\xff").replace(b"\\xfe", b"\xfe"))
            with self.assertRaisesRegex(ShardError, want, msg=data[:40]):
                ChexinstructDataset(self.dir)

    def test_bad_shard_entries_raise_shard_error(self):
        path = os.path.join(self.dir, "manifest.json")
        with open(path) as f:
            good = json.load(f)
        for bad in ({"records": 4}, {"file": "shard-000000.cxs", "records": "4"},
                    {"file": "../x.cxs", "records": 4}, {"file": "a", "records": -1}, 7):
            m = json.loads(json.dumps(good))
            m["shards"][0] = bad
            self.write_manifest(json.dumps(m).encode())
            with self.assertRaisesRegex(ShardError, "shard entry 0 is not", msg=repr(bad)):
                ChexinstructDataset(self.dir)

    def test_every_single_byte_flip_of_the_manifest(self):
        path = os.path.join(self.dir, "manifest.json")
        with open(path, "rb") as f:
            good = f.read()
        want = self.read_all()
        for off in range(len(good)):
            self.write_manifest(good[:off] + bytes([good[off] ^ 0x01]) + good[off + 1:])
            try:
                got = self.read_all()
            except ShardError:
                continue
            # a flip the reader accepts changed no record (a seed, say)
            self.assertEqual(got, want, msg="byte %d" % off)

    def test_missing_shard_is_a_shard_error(self):
        os.remove(os.path.join(self.dir, "shard-000003.cxs"))
        ds = ChexinstructDataset(self.dir)
        with self.assertRaisesRegex(ShardError, "shard-000003.cxs: missing"):
            ds[12]


class TestMapDataset(Folder):
    def test_random_access_agrees_with_manifest(self):
        ds = ChexinstructDataset(self.dir)
        with open(os.path.join(self.dir, "manifest.json")) as f:
            m = json.load(f)
        self.assertEqual(len(ds), m["records"])
        self.assertEqual(len(ds), sum(s["records"] for s in m["shards"]))
        for g in (0, 3, 4, 7, 11, 12, 18, len(ds) - 1, 9, 1):
            self.assertEqual(ds[g]["meta"]["key"], "r%d" % g)
        self.assertEqual(ds[-1]["meta"]["key"], "r%d" % (len(ds) - 1))
        with self.assertRaises(IndexError):
            ds[len(ds)]

    def test_seeds(self):
        ds = ChexinstructDataset(self.dir)
        self.assertEqual((ds.shards.shard_seed, ds.shards.build_seed), (3, 11))
        it = ChexinstructIterableDataset(self.dir, seed=5)
        self.assertEqual((it.shards.shard_seed, it.shards.build_seed, it.seed), (3, 11, 5))

    def test_manifest_without_build_seed(self):
        path = os.path.join(self.dir, "manifest.json")
        with open(path) as f:
            m = json.load(f)
        del m["build_seed"]
        with open(path, "w") as f:
            json.dump(m, f)
        ds = ChexinstructDataset(self.dir)
        self.assertEqual((ds.shards.shard_seed, ds.shards.build_seed), (3, None))

    def test_manifest_count_mismatch(self):
        path = os.path.join(self.dir, "manifest.json")
        with open(path) as f:
            m = json.load(f)
        m["shards"][1]["records"] = 4
        m["records"] += 1  # still adding up: the shard itself is found out
        with open(path, "w") as f:
            json.dump(m, f)
        ds = ChexinstructDataset(self.dir)
        with self.assertRaisesRegex(ShardError, "manifest.json says 4"):
            ds[5]

    def test_manifest_total_mismatch(self):
        path = os.path.join(self.dir, "manifest.json")
        with open(path) as f:
            m = json.load(f)
        m["records"] = 18
        with open(path, "w") as f:
            json.dump(m, f)
        with self.assertRaisesRegex(ShardError, "the shards' records add up to 19, records "
                                    "says 18"):
            ChexinstructDataset(self.dir)

    def test_no_manifest(self):
        os.remove(os.path.join(self.dir, "manifest.json"))
        with self.assertRaisesRegex(ShardError, "incomplete"):
            ChexinstructDataset(self.dir)

    def test_transform(self):
        ds = ChexinstructDataset(self.dir, transform=lambda r: r["answer"])
        self.assertEqual(ds[2], "Answer \u00e9 2.")


class TestIterable(Folder):
    def keys(self, it):
        return [r["meta"]["key"] for r in it]

    def covers_once(self, ds, world, workers):
        seen = []
        for rank in range(world):
            for w in range(workers):
                seen += self.keys(ds.iter_part(rank, world, w, workers))
        self.assertEqual(sorted(seen), sorted("r%d" % g for g in range(self.total)))
        return seen

    def test_every_record_once_over_ranks_and_workers(self):
        ds = ChexinstructIterableDataset(self.dir, seed=7, by="shard")
        for world, workers in ((1, 1), (2, 1), (1, 2), (2, 2), (5, 1)):
            self.covers_once(ds, world, workers)

    def test_more_parts_than_shards_stripes_records(self):
        ds = ChexinstructIterableDataset(self.dir, seed=7, by="shard")
        parts = []
        for rank in range(3):
            for w in range(3):
                parts.append(self.keys(ds.iter_part(rank, 3, w, 3)))
        self.assertEqual(sorted(k for p in parts for k in p),
                         sorted("r%d" % g for g in range(self.total)))
        self.assertLessEqual(max(map(len, parts)) - min(map(len, parts)), 1)

    def test_by_record_balances_counts(self):
        ds = ChexinstructIterableDataset(self.dir, seed=1, by="record")
        counts = [len(list(ds.iter_part(r, 4))) for r in range(4)]
        self.assertEqual(sum(counts), self.total)
        self.assertLessEqual(max(counts) - min(counts), 1)

    def test_shuffle_deterministic_per_epoch(self):
        a = ChexinstructIterableDataset(self.dir, seed=3)
        b = ChexinstructIterableDataset(self.dir, seed=3)
        e0 = self.keys(a.iter_part(0, 1))
        self.assertEqual(e0, self.keys(b.iter_part(0, 1)))
        a.set_epoch(1)
        e1 = self.keys(a.iter_part(0, 1))
        self.assertNotEqual(e0, e1)
        self.assertEqual(sorted(e0), sorted(e1))
        b.set_epoch(1)
        self.assertEqual(e1, self.keys(b.iter_part(0, 1)))
        c = ChexinstructIterableDataset(self.dir, seed=4)
        self.assertNotEqual(e0, self.keys(c.iter_part(0, 1)))

    def test_no_shuffle_is_manifest_order(self):
        ds = ChexinstructIterableDataset(self.dir, shuffle=False, by="shard")
        self.assertEqual(self.keys(ds.iter_part(0, 1)), ["r%d" % g for g in range(self.total)])
        self.assertEqual(self.keys(ds.iter_part(1, 2)), ["r%d" % g for g in range(4, 7)] +
                         ["r%d" % g for g in range(12, 13)])

    def test_explicit_rank_in_iter(self):
        ds = ChexinstructIterableDataset(self.dir, shuffle=False, rank=1, world_size=2,
                                         by="shard")
        self.assertEqual(len(list(ds)), 3 + 1)
        # the default, balanced: ceil(19 / 2) = 10 records on each rank
        ds = ChexinstructIterableDataset(self.dir, shuffle=False, rank=1, world_size=2)
        self.assertEqual(len(list(ds)), 10)

    def test_balanced_is_the_default_and_pads_like_distributed_sampler(self):
        # 19 records in shards of 4, 3, 5, 1, 6; two ranks of ceil(19 / 2) = 10.
        ds = ChexinstructIterableDataset(self.dir, shuffle=False)
        self.assertEqual(self.keys(ds.iter_part(0, 2)), ["r%d" % g for g in range(10)])
        self.assertEqual(self.keys(ds.iter_part(1, 2)),
                         ["r%d" % g for g in range(10, 19)] + ["r0"])
        self.assertEqual(ds.plan(1, 2), [(2, [3, 4]), (3, [0]), (4, [0, 1, 2, 3, 4, 5]),
                                         (0, [0])])

    def test_balanced_counts_and_cover(self):
        ds = ChexinstructIterableDataset(self.dir, seed=7)
        for world in (1, 2, 3, 4, 5, 19, 25):
            size = -(-self.total // world)
            parts = [self.keys(ds.iter_part(r, world)) for r in range(world)]
            self.assertEqual([len(p) for p in parts], [size] * world, world)
            seen = [k for p in parts for k in p]
            self.assertEqual(sorted(set(seen)), sorted("r%d" % g for g in range(self.total)))
            # the padding repeats the first records of the epoch's order, once each
            first = self.keys(ds.iter_part(0, 1))[:size * world - self.total]
            extra = sorted(seen)
            for k in sorted("r%d" % g for g in range(self.total)):
                extra.remove(k)
            self.assertEqual(sorted(extra), sorted(first), world)

    def test_balanced_workers_split_their_rank(self):
        ds = ChexinstructIterableDataset(self.dir, seed=2)
        for world, workers in ((1, 2), (2, 3), (3, 4)):
            for r in range(world):
                whole = self.keys(ds.iter_part(r, world))
                split = [self.keys(ds.iter_part(r, world, w, workers)) for w in range(workers)]
                self.assertEqual([k for p in split for k in p], whole)
                self.assertLessEqual(max(map(len, split)) - min(map(len, split)), 1)

    def test_balanced_rejects_bad_part(self):
        with self.assertRaises(ValueError):
            balanced([1, 2], 2, 2)
        with self.assertRaises(ValueError):
            balanced([1, 2], 2, 0, 2, 2)
        self.assertEqual(balanced([0, 0], 2, 1), [])

    def test_partition_rejects_bad_part(self):
        with self.assertRaises(ValueError):
            partition([1, 2], 2, 2)

    @unittest.skipUnless(torch is not None, "needs torch")
    def test_dataloader_workers(self):
        ds = ChexinstructIterableDataset(self.dir, seed=5, transform=lambda r: r["meta"]["key"])
        dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)
        self.assertEqual(sorted(dl), sorted("r%d" % g for g in range(self.total)))


def loader_order(ds, rank, world, workers, batch):
    """The records (keys) of one rank in the order an in-order torch
    DataLoader with `workers` workers and batch_size `batch` gives them:
    each worker batches its own stream, and the loader takes one batch from
    each worker in turn, skipping a worker once it is done."""
    streams = []
    for w in range(workers):
        keys = [r["meta"]["key"] for r in ds.iter_part(rank, world, w, workers)]
        streams.append([keys[i:i + batch] for i in range(0, len(keys), batch)])
    out = []
    while any(streams):
        for st in streams:
            if st:
                out.extend(st.pop(0))
    return out


class TestResume(Folder):
    """Stop an epoch after k records, resume in a new dataset object from
    state_dict(): the rest equals the rest of an uninterrupted epoch."""

    def make(self, **kw):
        return ChexinstructIterableDataset(self.dir, seed=11, **kw)

    def test_resume_without_workers(self):
        for world in (1, 2, 3):
            for rank in range(world):
                whole = [r["meta"]["key"] for r in self.make(rank=rank, world_size=world)]
                for k in range(len(whole) + 1):
                    a = self.make(rank=rank, world_size=world)
                    it = iter(a)
                    head = [next(it)["meta"]["key"] for _ in range(k)]
                    state = a.state_dict()
                    self.assertEqual(state["consumed"], k)
                    b = self.make(rank=rank, world_size=world)
                    b.load_state_dict(state)
                    rest = [r["meta"]["key"] for r in b]
                    self.assertEqual(head + rest, whole, (world, rank, k))

    def test_resume_with_workers_and_batches(self):
        for world, workers, batch in ((1, 2, 2), (2, 2, 3), (2, 3, 1), (3, 2, 4), (1, 4, 2)):
            for rank in range(world):
                full = self.make(world_size=world, batch_size=batch)
                self.assertEqual(loader_order(full, rank, world, workers, batch),
                                 [r["meta"]["key"] for r in full.iter_part(rank, world)],
                                 "batches dealt to workers come out in the rank's order")
                whole = loader_order(full, rank, world, workers, batch)
                for seen in range(0, len(whole) // batch + 1):
                    k = seen * batch
                    a = self.make(world_size=world, batch_size=batch)
                    b = self.make(world_size=world, batch_size=batch)
                    b.load_state_dict(a.state_dict(consumed=k))
                    rest = loader_order(b, rank, world, workers, batch)
                    self.assertEqual(whole[:k] + rest, whole, (world, workers, batch, k))

    def test_resume_twice_and_epochs(self):
        a = self.make(world_size=2, rank=1)
        a.set_epoch(3)
        whole = [r["meta"]["key"] for r in a]
        b = self.make(world_size=2, rank=1)
        b.set_epoch(3)
        b.load_state_dict(a.state_dict(consumed=2))
        it = iter(b)
        mid = [next(it)["meta"]["key"] for _ in range(3)]
        c = self.make(world_size=2, rank=1)
        c.load_state_dict(b.state_dict())   # 2 before, 3 since: 5
        self.assertEqual(c.state_dict()["consumed"], 5)
        c.set_epoch(3)                      # the loop's set_epoch keeps the resume point
        self.assertEqual(whole[:2] + mid + [r["meta"]["key"] for r in c], whole)
        c.set_epoch(4)                      # the next epoch starts at its beginning
        d = self.make(world_size=2, rank=1)
        d.set_epoch(4)
        self.assertEqual([r["meta"]["key"] for r in c], [r["meta"]["key"] for r in d])

    def test_state_must_match(self):
        a = self.make(world_size=2, rank=0)
        state = a.state_dict(consumed=3)
        self.assertEqual(state, {"version": 1, "epoch": 0, "seed": 11, "shuffle": True,
                                 "world_size": 2, "records": 19, "consumed": 3})
        for kw, key in ((dict(seed=12), "seed"), (dict(world_size=3), "world_size"),
                        (dict(shuffle=False), "shuffle")):
            b = ChexinstructIterableDataset(self.dir, **dict(dict(seed=11, world_size=2), **kw))
            with self.assertRaisesRegex(ValueError, "state has %s" % key):
                b.load_state_dict(state)
        with self.assertRaisesRegex(ValueError, "needs by='balanced'"):
            self.make(by="shard").state_dict()
        with self.assertRaisesRegex(ValueError, "not a state of this reader"):
            a.load_state_dict({"consumed": 3})

    def test_block_must_be_positive(self):
        with self.assertRaises(ValueError):
            balanced([3, 4], 1, 0, 2, 0, block=0)


class TestCollate(Folder):
    def test_batch(self):
        ds = ChexinstructDataset(self.dir)
        batch = collate([ds[g] for g in (0, 1, 4, 3)])
        self.assertEqual(batch["instruction"], ["Question %d?" % g for g in (0, 1, 4, 3)])
        self.assertEqual(batch["answer"], ["Answer \u00e9 %d." % g for g in (0, 1, 4, 3)])
        self.assertEqual([m["key"] for m in batch["meta"]], ["r0", "r1", "r4", "r3"])
        # r0 and r3 have a JPEG and a PNG, r1 one JPEG, r4 none (g % 5 == 4)
        self.assertEqual([int(n) for n in batch["num_images"]], [2, 1, 0, 2])
        self.assertEqual([int(i) for i in batch["image_record"]], [0, 0, 1, 3, 3])
        self.assertEqual(batch["images"], ds[0]["images"] + ds[1]["images"] + ds[3]["images"])

    @unittest.skipUnless(torch is not None, "needs torch")
    def test_tensors_stack(self):
        recs = [{"instruction": "i", "answer": "a", "meta": {}, "images": [torch.zeros(3, 4, 4)]},
                {"instruction": "j", "answer": "b", "meta": {}, "images": []}]
        self.assertEqual(tuple(collate(recs)["images"].shape), (1, 3, 4, 4))


if __name__ == "__main__":
    unittest.main()
