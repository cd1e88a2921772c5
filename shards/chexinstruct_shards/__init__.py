"""Readers for chexinstruct shards, for training jobs.

Standard library only; numpy is not needed, PIL decodes images when asked,
and the datasets subclass torch's Dataset/IterableDataset when torch is
importable. Checksums are verified with the xxhash module when it is present
(Debian: python3-xxhash); without it the reader says so once and skips them.

    from chexinstruct_shards import ChexinstructDataset, ChexinstructIterableDataset
"""
from .native import HAVE_XXHASH, NativeShard, ShardError, parse_record
from .datasets import (ChexinstructDataset, ChexinstructIterableDataset, ShardFolder,
                       balanced, collate, load_manifest, partition)

__version__ = "0.2.0"

__all__ = [
    "HAVE_XXHASH", "NativeShard", "ShardError", "parse_record", "ChexinstructDataset",
    "ChexinstructIterableDataset", "ShardFolder", "balanced", "collate", "load_manifest",
    "partition",
]
