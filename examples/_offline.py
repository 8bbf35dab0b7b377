"""Shared by the examples: the real API when ANTHROPIC_API_KEY is set, else a scripted fake.

Each example passes the conversation it expects; offline, the fake model plays
it back through the real client, the real stream parser and the real tools.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from agentloop import AsyncClient, Client
from agentloop.testing import FakeAnthropic, ScriptItem

MODEL = os.environ.get("AGENTLOOP_EXAMPLE_MODEL", "claude-sonnet-4-6")


def online() -> bool:
    """Whether the examples talk to the real API."""
    return bool(os.environ.get("ANTHROPIC_API_KEY"))


def _announce() -> None:
    if online():
        print(f"[live: the real Messages API, model {MODEL}]", file=sys.stderr)
    else:
        print(
            "[scripted: an offline fake model plays a recorded conversation; "
            "set ANTHROPIC_API_KEY to use the real API]",
            file=sys.stderr,
        )


def client(script: Sequence[ScriptItem]) -> Client:
    """A sync client: real when online, else over a scripted fake."""
    _announce()
    if online():
        return Client()
    return FakeAnthropic(script).client()


def async_client(script: Sequence[ScriptItem]) -> AsyncClient:
    """An async client: real when online, else over a scripted fake."""
    _announce()
    if online():
        return AsyncClient()
    return FakeAnthropic(script).async_client()
