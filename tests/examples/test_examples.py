"""Every example runs offline, as a user would run it: a subprocess, no API key, no stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# What each example must print (stdout) when run offline against its scripted fake.
EXPECTED: dict[str, list[str]] = {
    "first_agent.py": ["It is 15 degrees Celsius in Paris", "(2 model requests"],
    "parallel_tools.py": [
        "start   get_weather({'city': 'Cairo'})",
        "finish  get_utc_offset -> 2",
        "Cairo is the warmest",
        "(4 tool calls of 0.3s each",
    ],
    "async_agent.py": ["12 kettles are in stock", "(2 model requests, stop reason end_turn)"],
    "thinking_tools.py": [
        "[thinking] The user wants 250 EUR in JPY",
        "[tool]     exchange_rate({'base': 'EUR', 'quote': 'JPY'})",
        "40,825 JPY",
    ],
    "custom_registry.py": [
        "tools from the file: ['add_note', 'search_notes']",
        "[error ] Invalid input for tool add_note:\n- title:",
        "[result] Saved note 'Groceries'",
        '[result] ["Groceries"]',
    ],
    "mcp_tools.py": [
        "tools from the server: ['demo_echo', 'demo_stats', 'demo_pixel', 'demo_fail'] ...",
        '[result] {"count":3,"total":49.75}',
        "[result] contents of budget.txt",
        "[error ] Error executing tool fail: cannot: the printer is offline",
        "The three expenses add up to 49.75",
    ],
    "approval_hook.py": [
        "delete_file({'name': 'old.log'}). Allow? [y/N] n   [auto-answer: stdin is not a terminal]",
        "files left: ['notes.txt', 'old.log', 'report.pdf']",
    ],
    "deferred_approval.py": [
        "stop reason: awaiting_approval",
        "waiting for a decision: transfer({'amount': 5000, 'to': 'acme'})",
        "approving ['toolu_transfer']",
        '["25000", "transferred 5000 EUR to acme"]',
        "(2 model requests across both processes)",
    ],
    "durable_agent.py": [
        "worker 1 killed while charging the card (exit code -9)",
        "worker 2 recovered the run: [recover] Order 1234 is confirmed and paid.",
        "  send_email to ada@example.com, idempotency key toolu_email\n",
        "(the model was asked 2 times across both workers)",
    ],
    "streaming.py": [
        "The lighthouse keeper counted ships",
        "pieces streamed, stop reason end_turn",
    ],
    "structured_output.py": [
        "Invalid output:",
        "- items[0].quantity: 0 is less than the minimum of 1",
        "requests: 2",
        '"number": "INV-2024-0042"',
        "total: 21.00 GBP",
    ],
}


def example_files() -> list[str]:
    return sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def run_offline(name: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9"  # were a real client made, it goes nowhere
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=EXAMPLES.parent,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_every_example_has_expectations() -> None:
    assert example_files() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_offline(name: str) -> None:
    done = run_offline(name)
    assert done.returncode == 0, done.stderr
    assert "[scripted: an offline fake model" in done.stderr
    assert "Traceback" not in done.stderr
    for expected in EXPECTED[name]:
        assert expected in done.stdout, f"{expected!r} not in the output of {name}:\n{done.stdout}"
