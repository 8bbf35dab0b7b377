"""Tool names the API accepts (``^[a-zA-Z0-9_-]{1,64}$``), mapped reversibly.

Other tool sources allow more (MCP: dots, slashes, up to 128 characters).
:func:`api_name` turns any name into one the API accepts, stably: a valid
name is kept; otherwise every other character becomes ``_``, and a name
still too long is cut and ends in a hash of the original. The wrappers keep
the mapping of each listing so calls go back to the original name.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["MAX_NAME", "api_name", "is_api_name"]

MAX_NAME = 64
_VALID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_INVALID_CHAR = re.compile(r"[^a-zA-Z0-9_-]")
_HASH = 8


def is_api_name(name: str) -> bool:
    """Whether the API accepts ``name`` as a tool name."""
    return _VALID.fullmatch(name) is not None


def api_name(name: str) -> str:
    """``name`` if the API accepts it, else a cleaned, shortened, stable stand-in.

    ``files.read`` becomes ``files_read``; a name over 64 characters keeps its
    first 55 (cleaned) and ends in ``_`` plus 8 hex digits of its SHA-256.
    """
    if is_api_name(name):
        return name
    cleaned = _INVALID_CHAR.sub("_", name) or "_"
    if len(cleaned) <= MAX_NAME:
        return cleaned
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH]
    return f"{cleaned[: MAX_NAME - _HASH - 1]}_{digest}"
