from __future__ import annotations

import pytest

from agentloop._context import RunContext


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ctx() -> RunContext[None]:
    return RunContext(deps=None, tool_use_id="toolu_01", tool_name="t", run_id="run_1")
