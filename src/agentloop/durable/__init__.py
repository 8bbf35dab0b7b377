"""Durable runs on DBOS Transact: a run survives a crash and resumes without repeating
finished work. Install with ``pip install 'agentloop[dbos]'``.

::

    from dbos import DBOS
    from agentloop.durable import DurableAgent, dbos_config

    durable = DurableAgent(agent, name="support")        # before DBOS.launch()
    DBOS(config=dbos_config("my-app", application_version="1"))
    DBOS.launch()
    result = await durable.arun("Where is my order?", run_id="ticket-1234")

Every run is a DBOS workflow whose id is the run's ``run_id``; each model
request is one step and each tool call is one step. The database is an SQLite
file (``./agentloop-runs.sqlite`` by default) or Postgres (a URL).

``import agentloop`` never imports this module (nor DBOS).
"""

from __future__ import annotations

try:
    import dbos as _dbos  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without dbos
    raise ImportError(
        "agentloop.durable needs DBOS Transact: pip install 'agentloop[dbos]'"
    ) from exc

from ._agent import DurableAgent
from ._approval import asend_decisions, awaiting_calls, send_decisions
from ._config import DEFAULT_DATABASE, dbos_client, dbos_config
from ._values import ReplayMismatchError

__all__ = [
    "DEFAULT_DATABASE",
    "DurableAgent",
    "ReplayMismatchError",
    "asend_decisions",
    "awaiting_calls",
    "dbos_client",
    "dbos_config",
    "send_decisions",
]
