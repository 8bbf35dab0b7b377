"""Shared fixtures: the testing kit's plugin (fake API, network guard) and anyio."""

from __future__ import annotations

import pytest

pytest_plugins = ["agentloop.testing.pytest_plugin"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
