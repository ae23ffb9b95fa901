"""Associative arrays that list their elements in bash 5.2's order.

bash keeps an associative array in a chained hash table and lists it bucket by
bucket, each bucket newest entry first; scripts that print ``${!m[@]}`` see
that order, so it is modelled here rather than Python's insertion order:

- a key's hash is 32-bit FNV-1 over its bytes (start at 2166136261; for each
  byte multiply by 16777619, then xor the byte). bash reads the bytes as
  ``char``, which is signed on x86-64, so a byte of 0x80 or more is xored
  sign-extended (0xffffff80 | byte);
- the bucket is the hash modulo the bucket count (a power of two): 1024 for
  ``declare -A``/``local -A``, 128 when ``declare -A`` converts a scalar;
- a new key goes to the front of its bucket; changing a key's value does not
  move it; an unset key leaves its bucket;
- before a new key is added to a table holding twice as many keys as it has
  buckets, the table grows to four times the buckets: the old buckets are
  walked in order, front to back, each key pushed to the front of its new
  bucket (which reverses keys that stay together);
- ``m=(...)`` starts a new table with the old one's bucket count.

Checked against bash 5.2.15 (tests/shell/bash_cases.py records the cases,
including a 3000-key table that has grown once).
"""

from __future__ import annotations

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
ASSOC_BUCKETS = 1024  # ``declare -A``
CONVERTED_BUCKETS = 128  # ``declare -A`` on a variable that held a scalar


def bash_hash(key: str) -> int:
    h = FNV_OFFSET
    for byte in key.encode("utf-8", "surrogateescape"):
        h = (h * FNV_PRIME) & 0xFFFFFFFF
        h ^= byte if byte < 0x80 else byte | 0xFFFFFF00
    return h


class Assoc:
    """An associative array: string keys, values, and bash's listing order."""

    __slots__ = ("values", "hashes", "buckets", "nbuckets", "_order")

    def __init__(self, nbuckets: int = ASSOC_BUCKETS):
        self.values: dict[str, str] = {}
        self.hashes: dict[str, int] = {}
        self.buckets: dict[int, list[str]] = {}  # bucket -> keys, newest last
        self.nbuckets = nbuckets
        self._order: list[str] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def __setitem__(self, key: str, value: str) -> None:
        values = self.values
        if key not in values:
            if len(values) >= self.nbuckets * 2:
                self._grow()
            h = bash_hash(key)
            self.hashes[key] = h
            self.buckets.setdefault(h & (self.nbuckets - 1), []).append(key)
            self._order = None
        values[key] = value

    def pop(self, key: str) -> None:
        if self.values.pop(key, None) is None:
            return
        bucket = self.hashes.pop(key) & (self.nbuckets - 1)
        keys = self.buckets[bucket]
        keys.remove(key)
        if not keys:
            del self.buckets[bucket]
        self._order = None

    def _grow(self) -> None:
        size = self.nbuckets * 4
        new: dict[int, list[str]] = {}
        for bucket in sorted(self.buckets):
            for key in reversed(self.buckets[bucket]):  # front (newest) first
                new.setdefault(self.hashes[key] & (size - 1), []).append(key)
        self.buckets = new
        self.nbuckets = size

    def keys(self) -> list[str]:
        """The keys in bash's order."""
        order = self._order
        if order is None:
            buckets = self.buckets
            order = self._order = [key for b in sorted(buckets) for key in reversed(buckets[b])]
        return order

    def items(self) -> list[tuple[str, str]]:
        values = self.values
        return [(key, values[key]) for key in self.keys()]

    def emptied(self) -> Assoc:
        """A new empty table with this one's bucket count (``m=(...)``)."""
        return Assoc(self.nbuckets)

    def copy(self) -> Assoc:
        new = Assoc(self.nbuckets)
        new.values = dict(self.values)
        new.hashes = dict(self.hashes)
        new.buckets = {b: list(keys) for b, keys in self.buckets.items()}
        new._order = self._order
        return new
