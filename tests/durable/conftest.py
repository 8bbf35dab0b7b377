"""Durable-run fixtures: worker subprocesses, the fake API as its own process, Postgres."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip(
    "dbos", reason="durable runs need the dbos extra: pip install 'agentloop[dbos]'"
)
sys.path.insert(0, str(Path(__file__).parent))

from durable_support import FakeAPI, Workers, start_postgres

from agentloop.testing import Script


@pytest.fixture
def fake_api(tmp_path: Path) -> Iterator[Callable[[Script], FakeAPI]]:
    servers: list[FakeAPI] = []

    def start(script: Script) -> FakeAPI:
        servers.append(FakeAPI(script, tmp_path))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(tmp_path)
    yield pool
    pool.close()


@pytest.fixture
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (its own temp dir); its URL."""
    yield from start_postgres()
