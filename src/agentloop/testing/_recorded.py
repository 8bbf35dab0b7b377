"""What the fake saw of one request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RecordedRequest"]


_SECRET_HEADERS = ("x-api-key", "authorization")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received, in the order received (``index`` from 1).

    Its ``repr`` masks the ``x-api-key`` and ``authorization`` headers; read
    them from :attr:`headers`.
    """

    index: int
    method: str
    path: str
    headers: Mapping[str, str]
    """Header names in lower case."""
    raw: bytes
    """The body as sent."""
    body: Any
    """The body parsed as JSON; None if it is not JSON."""

    @classmethod
    def build(
        cls, index: int, method: str, path: str, headers: Mapping[str, str], raw: bytes
    ) -> RecordedRequest:
        """Record a request, parsing its body."""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        lowered = {k.lower(): v for k, v in headers.items()}
        return cls(index, method.upper(), path, lowered, raw, body)

    def __repr__(self) -> str:
        headers = {k: ("<hidden>" if k in _SECRET_HEADERS else v) for k, v in self.headers.items()}
        return (
            f"RecordedRequest(index={self.index}, method={self.method!r}, path={self.path!r}, "
            f"headers={headers!r}, body={self.body!r})"
        )

    @property
    def stream(self) -> bool:
        """Whether the request asks for a stream (``"stream": true``)."""
        return isinstance(self.body, dict) and self.body.get("stream") is True

    @property
    def messages(self) -> list[Any]:
        """The request's ``messages`` (empty if there are none)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return list(self.body["messages"])
        return []
