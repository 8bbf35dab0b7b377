"""A durable agent worker: run as a subprocess by the durable tests (and the benchmark).

    python _worker.py --db URL --api URL --log FILE --mode async|sync ACTION ...

ACTION is ``start RUN_ID`` (start a run and wait for it), ``recover RUN_ID``
(launch, which recovers this worker's runs, and wait for that one),
``queue`` (listen on the queue until killed or ``--until`` runs finished).
Tools append ``start NAME KEY`` / ``done NAME KEY`` lines to the log file;
the tool ``slow`` blocks while the file ``--block`` exists.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from dbos import DBOS

from agentloop import Agent, AsyncClient, Client, Defer, RunContext, tool
from agentloop.durable import DurableAgent, dbos_config

QUEUE = "agentloop-test-runs"


def note(path: str, line: str) -> None:
    """Append one line to the log, on disk before the call returns."""
    with open(path, "a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())


def build_tools(log: str, block: str, executor: str) -> list[object]:
    @tool
    def first(ctx: RunContext, n: int) -> str:
        """Quick work with a side effect.

        Args:
            n: A number.
        """
        note(log, f"start first {ctx.tool_use_id} {ctx.run_id} {executor}")
        note(log, f"done first {ctx.tool_use_id} {ctx.run_id} {executor}")
        return f"first {n}"

    @tool
    def slow(ctx: RunContext, n: int) -> str:
        """Slow work with a side effect (blocks while the block file exists).

        Args:
            n: A number.
        """
        note(log, f"start slow {ctx.tool_use_id} {ctx.run_id} {executor}")
        deadline = time.monotonic() + 120
        while Path(block).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        note(log, f"done slow {ctx.tool_use_id} {ctx.run_id} {executor}")
        return f"slow {n}"

    @tool
    def pay(ctx: RunContext, amount: int) -> str:
        """Pay an amount.

        Args:
            amount: In cents.
        """
        note(log, f"start pay {ctx.tool_use_id} {amount}")
        return f"paid {amount}"

    return [first, slow, pay]


def defer_payments(call: object, ctx: object) -> Defer | None:
    return Defer("a person decides") if getattr(call, "name", "") == "pay" else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--block", default="/nonexistent")
    parser.add_argument("--mode", choices=["async", "sync"], default="async")
    parser.add_argument("--executor", default="local")
    parser.add_argument("--until", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("action", choices=["start", "recover", "queue"])
    parser.add_argument("run_id", nargs="?", default="")
    args = parser.parse_args(argv)

    client = (AsyncClient if args.mode == "async" else Client)(api_key="test", base_url=args.api)
    agent = Agent(
        model="claude-sonnet-4-6",
        tools=build_tools(args.log, args.block, args.executor),
        client=client,
        before_tool=defer_payments,
    )
    durable = DurableAgent(agent, name="worker")
    config = dbos_config(
        "agentloop-tests",
        application_version="test-1",
        database=args.db,
        executor_id=args.executor,
        notification_listener_polling_interval_sec=0.05,
        log_level="WARNING",
    )
    DBOS(config=config)
    DBOS.launch()
    if args.action == "queue":
        DBOS.register_queue(QUEUE, worker_concurrency=args.concurrency, polling_interval_sec=0.05)
    print("launched", flush=True)
    try:
        if args.action == "queue":
            return _serve_queue(args)
        if args.mode == "sync":
            result = (
                durable.run("go", run_id=args.run_id)
                if args.action == "start"
                else (durable.result(args.run_id, poll_seconds=0.05))
            )
        else:
            result = asyncio.run(_async_action(durable, args))
        print(json.dumps({"text": result.text, "messages": result.messages}), flush=True)
        return 0
    finally:
        DBOS.destroy()


async def _async_action(durable: DurableAgent, args: argparse.Namespace) -> object:
    if args.action == "start":
        return await durable.arun("go", run_id=args.run_id)
    return await durable.aresult(args.run_id, poll_seconds=0.05)


def _serve_queue(args: argparse.Namespace) -> int:
    """Work the queue until ``--until`` runs of this test finished (or forever)."""
    while True:
        time.sleep(0.1)
        if args.until:
            done = DBOS.list_workflows(status="SUCCESS", load_input=False, load_output=False)
            if len(done) >= args.until:
                return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
