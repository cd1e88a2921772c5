"""Datasets over a folder of native shards, described by its manifest.json.

ChexinstructDataset is map-style (len, random access by global index).
ChexinstructIterableDataset streams the folder, split over distributed ranks
and DataLoader workers, in a deterministic per-epoch order (seed + epoch).
Both subclass torch's Dataset / IterableDataset when torch is importable.
"""
import bisect
import io
import json
import os
import random

from .native import NativeShard, ShardError

try:
    import torch
    import torch.utils.data as _tud
    _MapBase, _IterBase = _tud.Dataset, _tud.IterableDataset
except ImportError:
    torch = None
    _MapBase = _IterBase = object


def _check_shards(path, m):
    """The manifest's shard list, as the datasets read it."""
    shards = m.get("shards")
    if not isinstance(shards, list):
        raise ShardError("%s: shards is not a list" % path)
    for k, s in enumerate(shards):
        ok = isinstance(s, dict) and isinstance(s.get("file"), str) and \
            isinstance(s.get("records"), int) and not isinstance(s.get("records"), bool)
        if not ok or s["records"] < 0 or "/" in s["file"] or s["file"] in ("", ".", ".."):
            raise ShardError("%s: shard entry %d is not {file, records}" % (path, k))


def load_manifest(folder):
    """Reads FOLDER/manifest.json; a folder without one is incomplete. A
    manifest that is not the JSON the sharder writes raises ShardError."""
    path = os.path.join(folder, "manifest.json")
    try:
        with open(path, "rb") as f:
            m = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise ShardError("%s: no manifest.json; the folder is incomplete (the sharder "
                         "writes it last)" % folder)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise ShardError("%s: damaged, not JSON: %s" % (path, e))
    if not isinstance(m, dict):
        raise ShardError("%s: damaged, not a JSON object" % path)
    if m.get("format") != "chexinstruct-shards" or m.get("record_format") != "native":
        raise ShardError("%s: not a native chexinstruct shard folder (format %r, "
                         "record_format %r)" % (path, m.get("format"), m.get("record_format")))
    if m.get("format_version") != 1:
        raise ShardError("%s: format_version %r; this reader knows 1"
                         % (path, m.get("format_version")))
    _check_shards(path, m)
    return m


class ShardFolder:
    """The shards of one folder, opened lazily, addressed by global index."""

    def __init__(self, folder, verify=True):
        self.folder = folder
        self.verify = verify
        self.manifest = load_manifest(folder)
        # The seeds that made the folder (schema/shard-format.md): the shard
        # seed (shard --seed: pick, templates, shuffle) and the catalogue's
        # build seed (build --seed: pairs and negatives); build_seed is None
        # in a manifest written before it was recorded. Neither is the
        # reading order's seed of ChexinstructIterableDataset.
        self.shard_seed = self.manifest.get("seed")
        self.build_seed = self.manifest.get("build_seed")
        self.files = [s["file"] for s in self.manifest["shards"]]
        self.counts = [int(s["records"]) for s in self.manifest["shards"]]
        self.starts = []
        total = 0
        for n in self.counts:
            self.starts.append(total)
            total += n
        self.total = total
        if total != self.manifest.get("records"):
            raise ShardError("%s: the shards' records add up to %d, records says %r"
                             % (os.path.join(folder, "manifest.json"), total,
                                self.manifest.get("records")))
        self._open = {}

    def shard(self, k):
        s = self._open.get(k)
        if s is None:
            s = NativeShard(os.path.join(self.folder, self.files[k]), self.verify)
            if len(s) != self.counts[k]:
                raise ShardError("%s: %d records, manifest.json says %d"
                                 % (s.path, len(s), self.counts[k]))
            self._open[k] = s
        return s

    def locate(self, i):
        """(shard number, record number within it) of global index i."""
        if i < 0:
            i += self.total
        if not 0 <= i < self.total:
            raise IndexError("record %d of %d" % (i, self.total))
        k = bisect.bisect_right(self.starts, i) - 1
        return k, i - self.starts[k]

    def read(self, k, j):
        return self.shard(k).read(j)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_open"] = {}
        return state


def _decode(rec, decode_images, transform):
    if decode_images:
        try:
            from PIL import Image
        except ImportError:
            raise ImportError("decode_images=True needs PIL (Debian: python3-pil)")
        imgs = []
        for b in rec["images"]:
            im = Image.open(io.BytesIO(b))
            im.load()
            imgs.append(im)
        rec["images"] = imgs
    return transform(rec) if transform else rec


class ChexinstructDataset(_MapBase):
    """Map-style: dataset[i] is record i of the folder, in manifest order.

    A record is a dict: instruction, answer, meta (dict), images (list of the
    encoded bytes, or PIL images with decode_images=True), image_types."""

    def __init__(self, folder, decode_images=False, verify=True, transform=None):
        self.shards = ShardFolder(folder, verify)
        self.decode_images = decode_images
        self.transform = transform

    def __len__(self):
        return self.shards.total

    def __getitem__(self, i):
        k, j = self.shards.locate(int(i))
        return _decode(self.shards.read(k, j), self.decode_images, self.transform)


def _rng(*parts):
    # A str seed goes through SHA-512 in random.seed (version 2): the same on
    # every machine and independent of PYTHONHASHSEED.
    return random.Random("chexinstruct:" + ":".join(str(p) for p in parts))


def _order(counts, seed, epoch, shuffle):
    order = list(range(len(counts)))
    if shuffle:
        _rng(seed, epoch).shuffle(order)
    return order


def _records(counts, k, seed, epoch, shuffle):
    r = list(range(counts[k]))
    if shuffle:
        _rng(seed, epoch, k).shuffle(r)
    return r


def _span(counts, order, seed, epoch, shuffle, lo, hi):
    """The (shard, [record numbers]) of positions lo..hi-1 of the epoch's
    global order (shards in `order`, records shuffled within each); positions
    past the end wrap to its start."""
    total = sum(counts)
    starts, at = [], 0
    for k in order:
        starts.append(at)
        at += counts[k]
    out = []
    pos = lo
    while pos < hi:
        g = pos % total
        # the last shard starting at or before g: never an empty one
        i = bisect.bisect_right(starts, g) - 1
        k = order[i]
        first = g - starts[i]
        take = min(counts[k] - first, hi - pos)
        out.append((k, _records(counts, k, seed, epoch, shuffle)[first:first + take]))
        pos += take
    return out


def balanced(counts, world, rank, workers=1, worker=0, seed=0, epoch=0, shuffle=True,
             skip=0, block=None):
    """The (shard, [record numbers]) that (rank, worker) reads, by="balanced".

    The global order (shards shuffled by (seed, epoch), records within a shard
    by (seed, epoch, shard)) is cut into `world` contiguous runs of
    ceil(N / world) records; runs past the end wrap to the start, so every
    rank reads the same number of records, as torch's DistributedSampler
    does (the first N - world * ceil(N / world) records are read twice; none
    when world divides N). The first `skip` records of a rank's run are left
    out (they were read before a resume: load_state_dict). What remains is
    cut again among the rank's workers: contiguously by default (counts
    differ by at most one; shards stay whole but for the two at a run's
    ends), or, with `block` (the DataLoader's batch size), dealt out in
    blocks of `block` records, block b to worker b % workers, so that an
    in-order DataLoader gives the rank's run in its own order."""
    if not 0 <= rank < world or not 0 <= worker < workers:
        raise ValueError("rank %d of %d, worker %d of %d" % (rank, world, worker, workers))
    if block is not None and (not isinstance(block, int) or block < 1):
        raise ValueError("block (batch_size) must be a positive int, not %r" % (block,))
    total = sum(counts)
    if total == 0:
        return []
    size = -(-total // world)
    start = rank * size + min(max(skip, 0), size)
    left = (rank + 1) * size - start
    order = _order(counts, seed, epoch, shuffle)
    if block is None:
        lo = start + worker * left // workers
        hi = start + (worker + 1) * left // workers
        return _span(counts, order, seed, epoch, shuffle, lo, hi)
    out = []
    for b in range(worker, -(-left // block), workers):
        lo = start + b * block
        out.extend(_span(counts, order, seed, epoch, shuffle, lo, min(lo + block, start + left)))
    return out


def partition(counts, nparts, part, seed=0, epoch=0, shuffle=True, by="shard"):
    """The (shard, [record numbers]) that part `part` of `nparts` reads.

    by="shard": whole shards go round-robin to the parts, in an order shuffled
    by (seed, epoch), and the records within a shard are shuffled by (seed,
    epoch, shard). Parts get whole shards, so their counts may differ by up
    to a shard. When there are fewer shards than parts, or with by="record",
    the same global order is striped record by record over the parts instead
    (every part then gets its count within one of the others).
    Over all parts, every record comes exactly once."""
    if not 0 <= part < nparts:
        raise ValueError("part %d of %d" % (part, nparts))
    order = _order(counts, seed, epoch, shuffle)

    def records(k):
        return _records(counts, k, seed, epoch, shuffle)

    if by == "shard" and len(order) >= nparts:
        return [(k, records(k)) for k in order[part::nparts]]
    if by not in ("shard", "record"):
        raise ValueError("by must be 'balanced', 'shard' or 'record', not %r" % by)
    out, n = [], 0
    for k in order:
        mine = [j for t, j in enumerate(records(k), n) if t % nparts == part]
        n += counts[k]
        if mine:
            out.append((k, mine))
    return out


def _dist_rank_world():
    if torch is not None and torch.distributed.is_available() and \
            torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _worker():
    if torch is not None:
        info = _tud.get_worker_info()
        if info is not None:
            return info.id, info.num_workers
    return 0, 1


class ChexinstructIterableDataset(_IterBase):
    """Streams the folder once per epoch, split over ranks and workers.

    rank/world_size default to torch.distributed's when it is initialised,
    else 0/1; DataLoader workers are found with get_worker_info(). Call
    set_epoch(e) before each epoch for a fresh, reproducible order.

    With by="balanced" (the default) an epoch can be resumed where it
    stopped: state_dict() says how many records of its run this rank has
    read, load_state_dict() skips them. Give batch_size (the DataLoader's)
    when the DataLoader has workers: the rank's run is then dealt to the
    workers in batches, so that the batches come out in the run's order and
    "batches seen * batch_size" is exactly the records read."""

    def __init__(self, folder, shuffle=True, seed=0, rank=None, world_size=None,
                 decode_images=False, verify=True, transform=None, by="balanced",
                 batch_size=None):
        self.shards = ShardFolder(folder, verify)
        self.shuffle, self.seed, self.epoch = shuffle, seed, 0
        self.rank, self.world_size = rank, world_size
        self.decode_images, self.transform, self.by = decode_images, transform, by
        self.batch_size = batch_size
        self._resume = 0   # records of this epoch's run read before load_state_dict
        self._yielded = 0  # records __iter__ gave in this process since then

    def set_epoch(self, epoch):
        """A new epoch starts from its beginning; the epoch a state was
        loaded for keeps its resume point."""
        if epoch != self.epoch:
            self._resume = 0
        self.epoch = epoch
        self._yielded = 0

    def _rank_world(self):
        rank, world = _dist_rank_world()
        if self.rank is not None:
            rank = self.rank
        if self.world_size is not None:
            world = self.world_size
        return rank, world

    def state_dict(self, consumed=None):
        """Where this rank is in the epoch, as a dict for a checkpoint.

        consumed: the records the training loop has taken since this epoch
        started or the state was loaded (batches seen * batch_size). Leave
        it out when iterating the dataset itself in this process (no
        DataLoader workers): the dataset counts what it gave."""
        if self.by != "balanced":
            raise ValueError("state_dict() needs by='balanced' (by=%r)" % self.by)
        _, world = self._rank_world()
        n = self._yielded if consumed is None else int(consumed)
        return {"version": 1, "epoch": self.epoch, "seed": self.seed, "shuffle": self.shuffle,
                "world_size": world, "records": self.shards.total,
                "consumed": self._resume + n}

    def load_state_dict(self, state):
        """Resumes the epoch of `state`: this rank's next records are the ones
        an uninterrupted epoch would have given after `consumed`. The seed,
        shuffle, world size and the folder's record count must be the ones
        the state was saved with (another order would not give the rest)."""
        if self.by != "balanced":
            raise ValueError("load_state_dict() needs by='balanced' (by=%r)" % self.by)
        if not isinstance(state, dict) or state.get("version") != 1:
            raise ValueError("not a state of this reader (version 1): %r" % (state,))
        _, world = self._rank_world()
        mine = {"seed": self.seed, "shuffle": self.shuffle, "world_size": world,
                "records": self.shards.total}
        for key, want in mine.items():
            if state.get(key) != want:
                raise ValueError("state has %s %r, this dataset %r: resuming would not give "
                                 "the rest of the epoch" % (key, state.get(key), want))
        self.epoch = int(state["epoch"])
        self._resume = int(state["consumed"])
        self._yielded = 0

    def plan(self, rank, world_size, worker=0, num_workers=1):
        """What (rank, worker) reads this epoch: [(shard, [record numbers])]."""
        if self.by == "balanced":
            return balanced(self.shards.counts, world_size, rank, num_workers, worker,
                            self.seed, self.epoch, self.shuffle, self._resume,
                            self.batch_size if num_workers > 1 else None)
        return partition(self.shards.counts, world_size * num_workers,
                         rank * num_workers + worker, self.seed, self.epoch, self.shuffle,
                         self.by)

    def iter_part(self, rank, world_size, worker=0, num_workers=1):
        for k, recs in self.plan(rank, world_size, worker, num_workers):
            for j in recs:
                rec = _decode(self.shards.read(k, j), self.decode_images, self.transform)
                self._yielded += 1
                yield rec

    def __iter__(self):
        rank, world = self._rank_world()
        worker, nworkers = _worker()
        return self.iter_part(rank, world, worker, nworkers)


def collate(records):
    """Batches records (dicts as the datasets give them, after any transform
    that keeps the keys) for a DataLoader's collate_fn.

    Returns a dict: instruction, answer, meta (lists, one item a record);
    images, every image of the batch in record order, flat; num_images and
    image_record (for each image, the position of its record in the batch),
    as torch tensors when torch is there, else lists. When the images are
    torch tensors of one shape (after a transform that resizes them) they
    are stacked into one tensor; otherwise images stays a list (encoded
    bytes or PIL images, whose sizes differ). Records with no image (text
    tasks) add nothing to images."""
    images, image_record, num_images = [], [], []
    for i, r in enumerate(records):
        imgs = list(r.get("images", []))
        images.extend(imgs)
        image_record.extend([i] * len(imgs))
        num_images.append(len(imgs))
    out = {"instruction": [r["instruction"] for r in records],
           "answer": [r["answer"] for r in records],
           "meta": [r.get("meta") for r in records],
           "images": images, "num_images": num_images, "image_record": image_record}
    if torch is not None:
        out["num_images"] = torch.tensor(num_images, dtype=torch.long)
        out["image_record"] = torch.tensor(image_record, dtype=torch.long)
        if images and all(isinstance(im, torch.Tensor) for im in images) and \
                len({tuple(im.shape) for im in images}) == 1:
            out["images"] = torch.stack(images)
    return out
