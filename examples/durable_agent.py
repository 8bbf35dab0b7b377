"""A durable run: the worker is killed mid-run, another process resumes it, and no
finished tool call runs twice.

    pip install 'agentloop[dbos]'
    python examples/durable_agent.py

The run is a DBOS workflow stored in an SQLite file: each model request and
each tool call is a step. The first worker sends an email, then is killed
(SIGKILL) while it charges a card. A second worker launches DBOS, which
recovers the run: the saved model response and the sent email are replayed
from the file, the charge runs again with the same idempotency key, and the
run finishes. Offline (no ANTHROPIC_API_KEY), a scripted fake model answers,
served over HTTP from this process so that it outlives the killed worker.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _offline import MODEL, online

from agentloop import Agent, AsyncClient, RunContext, tool
from agentloop.testing import FakeAnthropic, reply, tool_use

RUN_ID = "order-1234"


def worker(action: str, folder: Path, api: str | None) -> None:
    """One worker process: ``start`` the run, or ``recover`` it after a crash."""
    from dbos import DBOS

    from agentloop.durable import DurableAgent, dbos_config

    log, charging = folder / "side-effects.log", folder / "charging-takes-long"

    @tool
    def send_email(ctx: RunContext, to: str) -> str:
        """Send the order confirmation.

        Args:
            to: The address.
        """
        with log.open("a") as file:  # a real tool would pass ctx.tool_use_id to the mail API
            file.write(f"send_email to {to}, idempotency key {ctx.tool_use_id}\n")
        return "sent"

    @tool
    def charge_card(ctx: RunContext, cents: int) -> str:
        """Charge the customer's card.

        Args:
            cents: The amount.
        """
        with log.open("a") as file:  # the payment API deduplicates on the key
            file.write(f"charge_card {cents}, idempotency key {ctx.tool_use_id}\n")
        while charging.exists():  # the first worker is killed in here
            time.sleep(0.01)
        return "charged"

    client = AsyncClient() if api is None else AsyncClient(api_key="offline", base_url=api)
    agent = Agent(model=MODEL, tools=[send_email, charge_card], client=client)
    durable = DurableAgent(agent, name="orders")  # before DBOS.launch(), in every worker
    config = dbos_config(
        "orders-example",
        application_version="1",
        database=folder / "agentloop-runs.sqlite",
        log_level="WARNING",
    )
    DBOS(config=config)
    DBOS.launch()  # recovers this worker's unfinished runs
    prompt = "Confirm order 1234 to ada@example.com and charge 4200 cents."
    if action == "start":
        result = asyncio.run(durable.arun(prompt, run_id=RUN_ID))
    else:
        result = asyncio.run(durable.aresult(RUN_ID, poll_seconds=0.1))
    print(f"[{action}] {result.text}", flush=True)
    DBOS.destroy()


def spawn(action: str, folder: Path, api: str | None) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--worker", action, str(folder), api or ""]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def wait_for_step(folder: Path, name: str) -> None:
    """Wait until the run's step ``name`` is saved (read through a DBOS client)."""
    from agentloop.durable import dbos_client

    client = dbos_client(folder / "agentloop-runs.sqlite")
    try:
        while name not in [s["function_name"] for s in client.list_workflow_steps(RUN_ID)]:
            time.sleep(0.02)
    finally:
        client.destroy()


def demo(folder: Path, api: str | None) -> None:
    log, charging = folder / "side-effects.log", folder / "charging-takes-long"
    charging.touch()
    first = spawn("start", folder, api)
    while "charge_card" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.02)
    wait_for_step(folder, "agentloop.tool.send_email")  # the email's step is saved
    first.send_signal(signal.SIGKILL)
    first.communicate()
    print(f"worker 1 killed while charging the card (exit code {first.returncode})")
    charging.unlink()
    second = spawn("recover", folder, api)
    out, _ = second.communicate()
    print("worker 2 recovered the run:", out.strip())
    print("side effects, in order:")
    for line in log.read_text().splitlines():
        print("  " + line)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="agentloop-durable-") as folder:
        run_demo(Path(folder))


def run_demo(folder: Path) -> None:
    if online():
        demo(folder, None)
        return
    from agentloop.testing.server import serve

    fake = FakeAnthropic(
        [
            reply(
                tool_use("send_email", {"to": "ada@example.com"}, id="toolu_email"),
                tool_use("charge_card", {"cents": 4200}, id="toolu_charge"),
            ),
            reply("Order 1234 is confirmed and paid."),
        ]
    )
    print(
        "[scripted: an offline fake model plays a recorded conversation; "
        "set ANTHROPIC_API_KEY to use the real API]",
        file=sys.stderr,
    )
    with serve(fake) as api:
        demo(folder, api)
    print(f"(the model was asked {len(fake.requests)} times across both workers)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], Path(sys.argv[3]), sys.argv[4] or None)
    else:
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
        main()
