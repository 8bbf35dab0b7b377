"""Two workers share one Postgres queue of 50 runs; one is killed mid-way and restarted.
All runs finish, and no completed tool is called twice."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest
from durable_support import log_lines, wait_for

from agentloop import Agent
from agentloop.durable import DurableAgent, dbos_client
from agentloop.testing import FakeAnthropic, RecordedRequest, ScriptItem, reply, tool_use
from agentloop.testing.server import serve

RUNS = 50
QUEUE = "agentloop-test-runs"

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="heavy: runs once in CI, on the Python 3.11 run"
)


def three_turns(request: RecordedRequest) -> ScriptItem:
    """Each run: call ``first``, then ``slow``, then answer; tool ids name the run."""
    messages = request.body["messages"]
    run = messages[0]["content"].split()[-1]
    turn = len(messages) // 2
    if turn == 0:
        return reply(tool_use("first", {"n": 1}, id=f"toolu_{run}_first"))
    if turn == 1:
        return reply(tool_use("slow", {"n": 2}, id=f"toolu_{run}_slow"))
    return reply(f"done {run}")


def test_two_workers_share_a_queue_and_survive_a_kill(postgres: str, workers: Any) -> None:
    fake = FakeAnthropic(three_turns)
    with serve(fake) as api:
        workers.block.touch()
        one = workers.spawn(postgres, api, "--executor", "w1", "queue")
        workers.launched(one)
        two = workers.spawn(postgres, api, "--executor", "w2", "--until", str(RUNS), "queue")
        workers.launched(two)

        ids = [f"run{i:02d}" for i in range(RUNS)]
        enqueuer = DurableAgent(Agent(model="claude-sonnet-4-6"), name="worker")
        client = dbos_client(postgres)
        try:
            for run_id in ids:
                enqueuer.enqueue(
                    QUEUE,
                    f"go {run_id}",
                    run_id=run_id,
                    client=client,
                    application_version="test-1",
                )
        finally:
            client.destroy()

        def slow_started(executor: str) -> int:
            return sum(
                line.startswith("start slow") and line.endswith(executor)
                for line in log_lines(workers.log)
            )

        # both workers hold 16 runs each, every one of them inside `slow`
        wait_for(lambda: slow_started("w1") == 16 and slow_started("w2") == 16, "32 runs in slow")
        workers.kill(one)
        workers.block.unlink()
        again = workers.spawn(postgres, api, "--executor", "w1", "--until", str(RUNS), "queue")
        workers.launched(again)
        workers.wait(two)
        workers.wait(again)

    lines = log_lines(workers.log)
    done = Counter(" ".join(line.split()[:3]) for line in lines if line.startswith("done"))
    started = Counter(" ".join(line.split()[:3]) for line in lines if line.startswith("start"))
    for run_id in ids:
        assert done[f"done first toolu_{run_id}_first"] == 1
        assert done[f"done slow toolu_{run_id}_slow"] == 1
        assert started[f"start first toolu_{run_id}_first"] == 1
    # the 16 runs killed inside `slow` ran it again, with the same key; no other tool re-ran
    assert sum(count == 2 for count in started.values()) == 16
    assert max(started.values()) <= 2
    assert fake.violations == []
    assert len(fake.requests) == 3 * RUNS  # no model request repeated
    client = dbos_client(postgres)
    try:
        statuses = {w.workflow_id: w.status for w in client.list_workflows(workflow_ids=ids)}
    finally:
        client.destroy()
    assert statuses == dict.fromkeys(ids, "SUCCESS")
