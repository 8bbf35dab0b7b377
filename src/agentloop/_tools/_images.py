"""Image content blocks for tools that return pictures."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

__all__ = ["image", "image_file", "sniff_media_type"]

MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")

_SUFFIXES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def sniff_media_type(data: bytes) -> str | None:
    """The image media type that the first bytes of ``data`` show, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image(data: bytes, media_type: str | None = None) -> dict[str, Any]:
    """An ``image`` content block holding ``data`` as base64.

    ``media_type`` is one of image/jpeg, image/png, image/gif, image/webp; left
    out, it is read from the data's first bytes. Return the block from a tool
    (alone or in a list with text blocks) to show the model the picture.
    """
    kind = media_type or sniff_media_type(data)
    if kind is None:
        raise ValueError(
            "cannot tell the image type from its bytes; pass media_type= "
            f"(one of {', '.join(MEDIA_TYPES)})"
        )
    if kind not in MEDIA_TYPES:
        raise ValueError(
            f"unsupported image media type {kind!r}; use one of {', '.join(MEDIA_TYPES)}"
        )
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": "image", "source": {"type": "base64", "media_type": kind, "data": encoded}}


def image_file(path: str | os.PathLike[str], media_type: str | None = None) -> dict[str, Any]:
    """An ``image`` content block read from a file; the type comes from its bytes or suffix."""
    file = Path(path)
    data = file.read_bytes()
    kind = media_type or sniff_media_type(data) or _SUFFIXES.get(file.suffix.lower())
    return image(data, kind)
