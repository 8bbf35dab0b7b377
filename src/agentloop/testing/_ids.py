"""Deterministic ids that look like the API's (``toolu_01...``, ``msg_01...``)."""

from __future__ import annotations

import hashlib
import itertools

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(digest: bytes, length: int) -> str:
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 62)
        chars.append(_ALPHABET[rest])
    return "".join(chars)


def stable_token(text: str, length: int = 22) -> str:
    """A base62 token derived from ``text`` alone."""
    return _base62(hashlib.sha256(text.encode()).digest(), length)


class IdMaker:
    """Makes ids unique within one fake, the same on every run of a test."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._counter = itertools.count(1)

    def make(self, prefix: str) -> str:
        """The next id, e.g. ``make("toolu_01")`` -> ``toolu_01`` + 22 characters."""
        return prefix + stable_token(f"{self._seed}:{prefix}:{next(self._counter)}")
