"""Ready agentloop clients wired to a fake through ``httpx.MockTransport``."""

from __future__ import annotations

from typing import Any

import anyio.lowlevel
import httpx

from agentloop import AsyncClient, Client, ConfigurationError

__all__ = ["BASE_URL", "DUMMY_API_KEY", "async_client_for", "client_for"]

BASE_URL = "https://api.anthropic.com"
"""The base URL of the fake's clients (the transport answers any URL)."""
DUMMY_API_KEY = "sk-ant-agentloop-testing-dummy-key"
"""The api key of the fake's clients unless one is given: no real key is needed."""


def _no_wait(seconds: float) -> None:
    """Retries never wait on a fake."""


async def _no_wait_async(seconds: float) -> None:
    """Retries never wait on a fake (still a checkpoint, so cancellation gets in)."""
    await anyio.lowlevel.checkpoint()


def _options(kwargs: dict[str, Any], method: str) -> dict[str, Any]:
    if "http_client" in kwargs:
        raise ConfigurationError(
            f"fake.{method}() wires its own http_client to the fake; to use yours, pass "
            "httpx.Client(transport=fake.transport) (or httpx.AsyncClient) to the client "
            "yourself"
        )
    return {"api_key": DUMMY_API_KEY, "base_url": BASE_URL, **kwargs}


def client_for(transport: httpx.MockTransport, kwargs: dict[str, Any]) -> Client:
    """A :class:`~agentloop.Client` over ``transport``; ``kwargs`` go to the client."""
    options = {"sleep": _no_wait, **_options(kwargs, "client")}
    return Client(http_client=httpx.Client(transport=transport), **options)


def async_client_for(transport: httpx.MockTransport, kwargs: dict[str, Any]) -> AsyncClient:
    """An :class:`~agentloop.AsyncClient` over ``transport``; ``kwargs`` go to the client."""
    options = {"sleep": _no_wait_async, **_options(kwargs, "async_client")}
    return AsyncClient(http_client=httpx.AsyncClient(transport=transport), **options)
