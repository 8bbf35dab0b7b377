"""Durable runs on DBOS: per-step overhead on SQLite, and queue throughput on Postgres.

    python tools/bench/durable.py                 # both
    python tools/bench/durable.py --steps 30      # SQLite overhead only (--no-postgres)

Overhead: one run of ``--steps`` tool turns (a no-op tool each; 2*steps+1
steps in all) through ``agent.arun`` and through ``DurableAgent.arun`` on an
SQLite file, against the in-process fake; the difference per step.
Throughput: ``--runs`` short runs (one tool call each) enqueued on a Postgres
queue, worked by two worker processes; runs per second, and a check that
every run finished and no tool ran twice. Needs PostgreSQL's initdb/pg_ctl.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentloop import Agent, RunContext, tool
from agentloop.testing import FakeAnthropic, RecordedRequest, ScriptItem, reply, tool_use

MODEL = "claude-sonnet-4-6"
QUEUE = "bench-runs"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@tool
def noop(n: int) -> str:
    """Do nothing.

    Args:
        n: A number.
    """
    return "ok"


def turns(steps: int) -> list[ScriptItem]:
    calls = [reply(tool_use("noop", {"n": i}, id=f"toolu_{i:03d}")) for i in range(steps)]
    return [*calls, reply("done")]


async def overhead(steps: int, rounds: int, folder: Path) -> dict[str, float]:
    from dbos import DBOS

    from agentloop.durable import DurableAgent, dbos_config

    holder: dict[str, FakeAnthropic] = {}

    def agent() -> Agent[Any]:
        holder["fake"] = FakeAnthropic(turns(steps) * (rounds + 1))
        return Agent(
            model=MODEL, tools=[noop], client=holder["fake"].async_client(), max_requests=10_000
        )

    plain_agent = agent()
    durable = DurableAgent(agent(), name="bench")

    async def bare_step() -> dict[str, int]:
        return {"ok": 1}

    @DBOS.workflow(name="agentloop-bench.bare")
    async def bare(n: int) -> int:
        for _ in range(n):
            await DBOS.run_step_async({"name": "bare"}, bare_step)
        return n

    DBOS(
        config=dbos_config(
            "agentloop-bench",
            application_version="1",
            database=folder / "b.sqlite",
            log_level="WARNING",
        )
    )
    DBOS.launch()
    plain, durable_times, bare_times = [], [], []
    n = 2 * steps + 1
    try:
        await bare(3)
        await durable.arun("warm up", run_id="warm")
        await plain_agent.arun("warm up")
        for i in range(rounds):
            start = time.perf_counter()
            await plain_agent.arun("go")
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            await durable.arun("go", run_id=f"run-{i}")
            durable_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            await bare(n)
            bare_times.append(time.perf_counter() - start)
    finally:
        DBOS.destroy()
    p, d = statistics.median(plain), statistics.median(durable_times)
    return {
        "steps": n,
        "plain_ms": p * 1e3,
        "durable_ms": d * 1e3,
        "per_step_ms": (d - p) / n * 1e3,
        "bare_step_ms": statistics.median(bare_times) / n * 1e3,
    }


# --- Postgres throughput --------------------------------------------------------------


def one_tool(request: RecordedRequest) -> ScriptItem:
    messages = request.body["messages"]
    run = messages[0]["content"].split()[-1]
    if len(messages) == 1:
        return reply(tool_use("mark", {"n": 1}, id=f"toolu_{run}"))
    return reply(f"done {run}")


def worker(db: str, api: str, log: str, executor: str, runs: int) -> None:
    from dbos import DBOS

    from agentloop import AsyncClient
    from agentloop.durable import DurableAgent, dbos_config

    @tool
    def mark(ctx: RunContext, n: int) -> str:
        """Record a call.

        Args:
            n: A number.
        """
        with open(log, "a") as file:
            file.write(f"{ctx.tool_use_id}\n")
        return "ok"

    agent = Agent(model=MODEL, tools=[mark], client=AsyncClient(api_key="bench", base_url=api))
    DurableAgent(agent, name="bench-queue")
    config = dbos_config(
        "agentloop-bench",
        application_version="1",
        database=db,
        executor_id=executor,
        log_level="WARNING",
    )
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(QUEUE, worker_concurrency=50, polling_interval_sec=0.05)
    print("launched", flush=True)
    while len(DBOS.list_workflows(status="SUCCESS", load_input=False, load_output=False)) < runs:
        time.sleep(0.1)
    DBOS.destroy()


@contextmanager
def postgres() -> Iterator[str]:
    binaries = (
        PG_BIN if (PG_BIN / "initdb").exists() else Path(shutil.which("initdb") or "x").parent
    )
    if not (binaries / "initdb").exists():
        raise SystemExit("PostgreSQL's initdb/pg_ctl not found: apt-get install postgresql")
    as_user: dict[str, Any] = {}
    home = Path(tempfile.mkdtemp(prefix="agentloop-bench-pg-"))
    if os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam("postgres")
        as_user = {"user": entry.pw_uid, "group": entry.pw_gid}
        os.chown(home, entry.pw_uid, entry.pw_gid)
    run = functools.partial(subprocess.run, check=True, capture_output=True, **as_user)
    run([str(binaries / "initdb"), "-D", str(home / "data"), "-U", "bench", "--auth=trust"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    options = (
        f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    )
    pg_ctl = str(binaries / "pg_ctl")
    run([pg_ctl, "-D", str(home / "data"), "-o", options, "-l", str(home / "log"), "-w", "start"])
    try:
        yield f"postgresql://bench@127.0.0.1:{port}/agentloop_bench"
    finally:
        subprocess.run(
            [pg_ctl, "-D", str(home / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            **as_user,
        )
        shutil.rmtree(home, ignore_errors=True)


def throughput(runs: int, folder: Path) -> dict[str, Any]:
    from agentloop.durable import DurableAgent, dbos_client
    from agentloop.testing.server import serve

    fake = FakeAnthropic(one_tool, checks=True)
    log = folder / "calls.log"
    with postgres() as db, serve(fake) as api:
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, "--worker", db, api, str(log), f"w{i}", str(runs)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in (1, 2)
        ]
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "launched"
        enqueuer = DurableAgent(Agent(model=MODEL), name="bench-queue")
        client = dbos_client(db)
        ids = [f"r{i:04d}" for i in range(runs)]
        start = time.perf_counter()
        for run_id in ids:
            enqueuer.enqueue(
                QUEUE, f"go {run_id}", run_id=run_id, client=client, application_version="1"
            )
        for proc in procs:
            proc.wait(timeout=600)
        elapsed = time.perf_counter() - start
        statuses = Counter(
            w.status for w in client.list_workflows(workflow_ids=ids, load_input=False)
        )
        client.destroy()
    calls = Counter(log.read_text().split())
    return {
        "runs": runs,
        "seconds": elapsed,
        "runs_per_second": runs / elapsed,
        "statuses": dict(statuses),
        "tool_calls": sum(calls.values()),
        "called_twice": sum(c > 1 for c in calls.values()),
        "requests": len(fake.requests),
        "violations": len(fake.violations),
    }


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        db, api, log, executor, runs = sys.argv[2:7]
        worker(db, api, log, executor, int(runs))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        o = asyncio.run(overhead(args.steps, args.rounds, Path(tmp)))
        print(
            f"SQLite: {o['steps']} steps; plain arun {o['plain_ms']:.1f} ms, durable "
            f"{o['durable_ms']:.1f} ms: {o['per_step_ms']:.2f} ms per step "
            f"(a bare DBOS step, here and now: {o['bare_step_ms']:.2f} ms)"
        )
        if not args.no_postgres:
            t = throughput(args.runs, Path(tmp))
            print(
                f"Postgres, 2 workers: {t['runs']} runs in {t['seconds']:.1f} s = "
                f"{t['runs_per_second']:.1f} runs/s; statuses {t['statuses']}; "
                f"{t['tool_calls']} tool calls, {t['called_twice']} called twice; "
                f"{t['requests']} model requests, {t['violations']} protocol violations"
            )


if __name__ == "__main__":
    main()
