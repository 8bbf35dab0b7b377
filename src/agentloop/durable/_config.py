"""The DBOS configuration durable runs need: JSON storage and an explicit version."""

from __future__ import annotations

import os
import re
from typing import Any

from dbos import DBOSClient, DBOSConfig, DBOSPortableJSONSerializer

from .. import ConfigurationError

__all__ = ["DEFAULT_DATABASE", "database_url", "dbos_client", "dbos_config"]

DEFAULT_DATABASE = "./agentloop-runs.sqlite"
"""Where runs are stored when no database is named: an SQLite file in the working directory."""

_APP_NAME = re.compile(r"^[a-z0-9_-]{3,256}$")
_URL_SCHEMES = ("sqlite://", "postgresql://", "postgresql+psycopg://", "postgres://")


def dbos_config(
    name: str,
    *,
    application_version: str,
    database: str | os.PathLike[str] | None = None,
    **options: Any,
) -> DBOSConfig:
    """A ``DBOSConfig`` for durable agent runs: ``DBOS(config=dbos_config(...))``.

    ``database`` is an SQLite file path (default :data:`DEFAULT_DATABASE`) or a
    database URL (``postgresql://user:pass@host:5432/db`` when many workers
    share the runs). ``application_version`` is required: a worker recovers
    only the runs of its own version, so every worker of one deployment must
    give the same one, and a new one when the agent changes in a way that
    would replay old runs differently. Other keywords go into the config as
    they are (``executor_id``, ``log_level``, ...); storage is always DBOS's
    portable JSON (agentloop never pickles).
    """
    if not isinstance(name, str) or not _APP_NAME.match(name):
        raise ConfigurationError(
            f"dbos_config({name!r}): an application name is 3 to 256 lowercase letters, "
            "digits, '-' and '_' (DBOS's rule), such as 'support-agent'"
        )
    if not isinstance(application_version, str) or not application_version:
        raise ConfigurationError(
            "dbos_config(application_version=...) must be a non-empty string, such as '1'"
        )
    if "serializer" in options:
        raise ConfigurationError(
            "dbos_config() sets the serializer itself (DBOS's portable JSON): remove serializer="
        )
    config: DBOSConfig = {
        "name": name,
        "system_database_url": database_url(database),
        "application_version": application_version,
        "serializer": DBOSPortableJSONSerializer(),
    }
    config.update(options)  # type: ignore[typeddict-item]
    return config


def database_url(database: str | os.PathLike[str] | None) -> str:
    """The URL of ``database``: a URL as it is, a file path as an SQLite URL."""
    where = os.fspath(DEFAULT_DATABASE if database is None else database)
    if where.startswith(_URL_SCHEMES):
        return where
    if "://" in where:
        raise ConfigurationError(
            f"database={where!r}: give an SQLite file path or a sqlite:// or postgresql:// URL"
        )
    return "sqlite:///" + os.path.abspath(where)


def dbos_client(database: str | os.PathLike[str] | None = None, **options: Any) -> DBOSClient:
    """A ``DBOSClient`` on the runs' database, for a process that runs no DBOS (one that
    sends decisions, enqueues runs or reads results); it reads and writes the same JSON.
    Close it with ``client.destroy()``."""
    return DBOSClient(
        system_database_url=database_url(database),
        serializer=DBOSPortableJSONSerializer(),
        **options,
    )
