"""Approval that waits: a hook defers a risky call, the run is saved, and another
process decides later.

    python examples/deferred_approval.py

The first process runs the agent. Its ``before_tool`` hook returns
``Defer(...)`` for transfers above a limit: the other calls of the turn still
run, then the run stops with ``stop_reason == "awaiting_approval"``. The
state goes to a JSON file. A second process (started here for the demo; in
production a web handler, a queue worker, days later) loads it, decides, and
the run goes on with the decision. Runs offline against a scripted fake
model; set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _offline import MODEL, client

from agentloop import Agent, Approve, Defer, RunContext, RunState, ToolUseBlock, tool
from agentloop.testing import reply, tool_use

LIMIT = 1_000


@tool
def balance(account: str) -> int:
    """The balance of an account, in euros.

    Args:
        account: The account name.
    """
    return {"ops": 25_000, "acme": 120}.get(account, 0)


@tool
def transfer(amount: int, to: str) -> str:
    """Transfer euros from the ops account. Large transfers need a person's approval.

    Args:
        amount: In euros.
        to: The receiving account.
    """
    return f"transferred {amount} EUR to {to}"


def large_transfers_wait(call: ToolUseBlock, ctx: RunContext[None]) -> Defer | None:
    if call.name == "transfer" and call.input.get("amount", 0) > LIMIT:
        return Defer(f"transfers above {LIMIT} EUR need approval")
    return None


def agent(script: list) -> Agent:
    return Agent(
        model=MODEL,
        tools=[balance, transfer],
        before_tool=large_transfers_wait,
        system="You run payments. Check the balance before a transfer.",
        client=client(script),
    )


def first_process(state_file: Path) -> None:
    script = [
        reply(
            tool_use("balance", {"account": "ops"}, id="toolu_balance"),
            tool_use("transfer", {"amount": 5_000, "to": "acme"}, id="toolu_transfer"),
        )
    ]
    result = agent(script).run("Pay acme's invoice of 5,000 EUR from ops.")
    print(f"stop reason: {result.stop_reason}")
    for call in result.awaiting:
        print(f"waiting for a decision: {call.name}({call.input})  [{call.id}]")
    state_file.write_text(result.state.model_dump_json())
    print(f"saved the run to {state_file.name}")


def second_process(state_file: Path) -> None:
    state = RunState.model_validate_json(state_file.read_text())
    decisions = {call_id: Approve() for call_id in state.awaiting}  # a person said yes
    print(f"approving {sorted(decisions)}")
    result = agent([reply("Done: 5,000 EUR transferred to acme.")]).run(state, decisions=decisions)
    sent = result.messages[2]["content"]
    print(json.dumps([block.get("content") for block in sent]))
    print(f"final answer: {result.text}")
    print(f"({result.requests} model requests across both processes)")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--decide":
        second_process(Path(sys.argv[2]))
        return
    with tempfile.TemporaryDirectory() as folder:
        state_file = Path(folder) / "run.json"
        first_process(state_file)
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--decide", str(state_file)], check=True)


if __name__ == "__main__":
    main()
