"""One native shard (schema/shard-format.md, version 1): header, index, records.

The reader keeps the index (16 bytes a record) in memory and reads each record
with one os.pread, so it is safe to share across forked DataLoader workers
(pread does not move a shared file offset; the file is reopened after a fork).
"""
import ctypes
import ctypes.util
import json
import os
import struct
import warnings

try:
    import xxhash
except ImportError:  # then libxxhash through ctypes, below
    xxhash = None


def _libxxhash():
    """XXH3_64bits from the C library (Debian: libxxhash0, which apt itself
    needs, so it is on every Debian system), when the module is missing."""
    for name in (ctypes.util.find_library("xxhash"), "libxxhash.so.0"):
        if not name:
            continue
        try:
            fn = ctypes.CDLL(name).XXH3_64bits
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        fn.restype = ctypes.c_uint64
        return fn
    return None


_xxh3_c = None if xxhash is not None else _libxxhash()
HAVE_XXHASH = xxhash is not None or _xxh3_c is not None

MAGIC = b"CXSHARD\x00"
VERSION = 1
HEADER = struct.Struct("<8sIIQQQQQQ")  # 64 bytes
RECORD_HEAD = struct.Struct("<IIII")
IMAGE_ENTRY = struct.Struct("<II")
IMAGE_TYPES = {1: "jpeg", 2: "png"}

_warned = False


def xxh3(data):
    """XXH3-64 with seed 0, as an int; None when neither the xxhash module
    nor libxxhash is there."""
    if xxhash is not None:
        return xxhash.xxh3_64_intdigest(data)
    if _xxh3_c is not None:
        data = bytes(data)
        return _xxh3_c(data, len(data))
    global _warned
    if not _warned:
        warnings.warn("chexinstruct_shards: neither the xxhash module (Debian: "
                      "python3-xxhash) nor libxxhash is there; checksums are not verified")
        _warned = True
    return None


class ShardError(Exception):
    """A shard that does not follow the format, or fails a checksum."""


def parse_record(buf, verify=True, where="record"):
    """Decodes one record (its bytes, trailing hash included) into a dict:
    instruction, answer, meta (the parsed JSON object), images (list of bytes),
    image_types (list of "jpeg"/"png")."""
    if len(buf) < RECORD_HEAD.size + 8:
        raise ShardError("%s: %d bytes, shorter than a record can be" % (where, len(buf)))
    if verify:
        want = struct.unpack_from("<Q", buf, len(buf) - 8)[0]
        got = xxh3(bytes(buf[:-8]))
        if got is not None and got != want:
            raise ShardError("%s: record hash mismatch" % where)
    ilen, alen, mlen, nimg = RECORD_HEAD.unpack_from(buf, 0)
    pos = RECORD_HEAD.size
    if pos + nimg * IMAGE_ENTRY.size > len(buf):
        raise ShardError("%s: %d images do not fit the record" % (where, nimg))
    images = []
    for _ in range(nimg):
        images.append(IMAGE_ENTRY.unpack_from(buf, pos))
        pos += IMAGE_ENTRY.size
    total = pos + ilen + alen + mlen + sum(n for n, _ in images) + 8
    if total != len(buf):
        raise ShardError("%s: lengths add up to %d bytes, the record has %d"
                         % (where, total, len(buf)))

    def take(n):
        nonlocal pos
        pos += n
        return bytes(buf[pos - n:pos])

    try:
        instruction = take(ilen).decode("utf-8")
        answer = take(alen).decode("utf-8")
        meta = json.loads(take(mlen).decode("utf-8"))
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise ShardError("%s: %s" % (where, e))
    if not isinstance(meta, dict):
        raise ShardError("%s: metadata is not a JSON object" % where)
    out = {"instruction": instruction, "answer": answer, "meta": meta, "images": [],
           "image_types": []}
    for n, kind in images:
        if kind not in IMAGE_TYPES:
            raise ShardError("%s: unknown image type %d" % (where, kind))
        out["images"].append(take(n))
        out["image_types"].append(IMAGE_TYPES[kind])
    return out


class NativeShard:
    """Random access to the records of one .cxs file.

    Each record's hash is checked as it is read (one XXH3 pass over bytes
    that were read anyway: cheap next to decoding an image); verify=False
    skips that. verify_file() checks the whole-shard hash. The header and
    index hashes are always checked. All need XXH3 (module or library)."""

    def __init__(self, path, verify=True):
        self.path = path
        self.verify = verify
        self._fd, self._pid = None, None
        fd = self._file()
        head = os.pread(fd, HEADER.size, 0)
        if len(head) < HEADER.size:
            raise ShardError("%s: shorter than the 64-byte header" % path)
        (magic, version, hsize, count, index_off, size, shard_hash, _reserved,
         head_hash) = HEADER.unpack(head)
        if magic != MAGIC:
            raise ShardError("%s: not a chexinstruct shard (bad magic)" % path)
        if version != VERSION or hsize != HEADER.size:
            raise ShardError("%s: format version %d, header size %d; this reader knows "
                             "version 1, 64" % (path, version, hsize))
        got = xxh3(head[:56])
        if got is not None and got != head_hash:
            raise ShardError("%s: header hash mismatch" % path)
        actual = os.fstat(fd).st_size
        if size != actual or index_off + 16 * count + 8 != size:
            raise ShardError("%s: header says %d bytes and index at %d for %d records; "
                             "the file has %d bytes" % (path, size, index_off, count, actual))
        index = os.pread(fd, 16 * count + 8, index_off)
        if len(index) != 16 * count + 8:
            raise ShardError("%s: the index is cut short" % path)
        got = xxh3(index[:-8])
        if got is not None and got != struct.unpack_from("<Q", index, 16 * count)[0]:
            raise ShardError("%s: index hash mismatch" % path)
        self.count = count
        self.shard_hash = shard_hash
        self._index = struct.unpack_from("<%dQ" % (2 * count), index, 0)
        expect = HEADER.size
        for i in range(count):
            off, length = self._index[2 * i], self._index[2 * i + 1]
            if off != expect:
                raise ShardError("%s: record %d starts at %d, expected %d"
                                 % (path, i, off, expect))
            expect = off + length
        if expect != index_off:
            raise ShardError("%s: records end at %d, the index starts at %d"
                             % (path, expect, index_off))

    def _file(self):
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                raise ShardError("%s: missing" % self.path)
            self._pid = os.getpid()
        return self._fd

    def __len__(self):
        return self.count

    def raw(self, i):
        """The bytes of record i, trailing hash included."""
        if not 0 <= i < self.count:
            raise IndexError("record %d of %d in %s" % (i, self.count, self.path))
        off, length = self._index[2 * i], self._index[2 * i + 1]
        buf = os.pread(self._file(), length, off)
        if len(buf) != length:
            raise ShardError("%s: record %d is cut short" % (self.path, i))
        return buf

    def read(self, i):
        return parse_record(self.raw(i), self.verify, "%s record %d" % (self.path, i))

    def verify_file(self):
        """Checks every record hash and the shard hash; returns the index of
        the first bad record, -1 when the records are fine but the shard hash
        is not, or None when everything checks out."""
        for i in range(self.count):
            try:
                parse_record(self.raw(i), True, "record %d" % i)
            except ShardError:
                return i
        fd = self._file()
        size = os.fstat(fd).st_size
        got = xxh3(os.pread(fd, size - HEADER.size, HEADER.size))
        if got is not None and got != self.shard_hash:
            return -1
        return None

    def close(self):
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):  # pickled into DataLoader workers: no fd
        state = dict(self.__dict__)
        state["_fd"] = state["_pid"] = None
        return state
