"""A deferred call waits inside the workflow; the decision comes from another process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from durable_support import log_lines, wait_for

from agentloop import Approve, ConfigurationError
from agentloop.durable import awaiting_calls, dbos_client, send_decisions
from agentloop.testing import Script, reply, tool_use

RUN_ID = "approval-run-1"


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_decision_from_another_process_completes_the_run(
    mode: str, tmp_path: Path, fake_api: Any, workers: Any
) -> None:
    api = fake_api(
        Script([reply(tool_use("pay", {"amount": 50_000}, id="toolu_pay")), reply("Paid.")])
    )
    db = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    worker = workers.spawn(db, api.url, "start", RUN_ID, mode=mode)
    workers.launched(worker)
    client = dbos_client(db)
    try:
        wait_for(lambda: bool(awaiting_calls(RUN_ID, client=client)), "the run to wait")
        [call] = awaiting_calls(RUN_ID, client=client)
        assert (call.id, call.name, call.input) == ("toolu_pay", "pay", {"amount": 50_000})
        with pytest.raises(ConfigurationError, match="does not wait on tool calls"):
            send_decisions(RUN_ID, {"toolu_other": Approve()}, client=client)
        send_decisions(RUN_ID, {"toolu_pay": Approve(input={"amount": 40_000})}, client=client)
        result = workers.finish(worker)
        assert awaiting_calls(RUN_ID, client=client) == []
    finally:
        client.destroy()
    assert result["text"] == "Paid."
    assert log_lines(workers.log) == ["start pay toolu_pay 40000"]
    state = api.state()
    assert state["violations"] == []
    assert state["requests"] == 2
