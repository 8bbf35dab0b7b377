"""A worker killed mid-run: another process recovers the run, which finishes without
re-running completed tools; the interrupted tool runs again with the same key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dbos import DBOSClient
from durable_support import kill, log_lines, wait_for

from agentloop.testing import Script, reply, tool_use

RUN_ID = "crash-run-1"


def script() -> Script:
    first = tool_use("first", {"n": 1}, id="toolu_first")
    slow = tool_use("slow", {"n": 2}, id="toolu_slow")
    return Script([reply(first, slow), reply("Both done.")])


def saved_steps(client: DBOSClient) -> list[str]:
    """The steps of the run DBOS has saved (with an output)."""
    return [s["function_name"] for s in client.list_workflow_steps(RUN_ID) if s["output"]]


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_killed_worker_resumes_without_repeating_finished_tools(
    mode: str, tmp_path: Path, fake_api: Any, workers: Any
) -> None:
    api = fake_api(script())
    db = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    workers.block.touch()
    worker = workers.spawn(db, api.url, "start", RUN_ID, mode=mode)

    started_slow = f"start slow toolu_slow {RUN_ID} local"
    wait_for(lambda: started_slow in log_lines(workers.log), "the slow tool to start")
    client = DBOSClient(system_database_url=db)
    try:
        wait_for(lambda: "agentloop.tool.first" in saved_steps(client), "first's step saved")
    finally:
        client.destroy()
    kill(worker)  # the first tool's step is saved; slow is still running
    workers.block.unlink()

    survivor = workers.spawn(db, api.url, "recover", RUN_ID, mode=mode)
    result = workers.finish(survivor)

    assert result["text"] == "Both done."
    lines = log_lines(workers.log)
    assert lines.count(f"start first toolu_first {RUN_ID} local") == 1
    assert lines.count(f"done first toolu_first {RUN_ID} local") == 1
    # the interrupted call ran again, with the same idempotency key
    assert lines.count(f"start slow toolu_slow {RUN_ID} local") == 2
    assert lines.count(f"done slow toolu_slow {RUN_ID} local") == 1
    state = api.state()
    assert state["violations"] == []
    assert state["requests"] == 2  # the first response was replayed from storage
    answered = result["messages"][2]["content"]
    assert [b["tool_use_id"] for b in answered] == ["toolu_first", "toolu_slow"]
    assert [b["content"] for b in answered] == ["first 1", "slow 2"]
