"""Modules imported lazily, or looked up in sys.modules, first reached from many threads.

Each test runs in a fresh process: the suite has imported everything already.
"""

from __future__ import annotations

import subprocess
import sys

REFUSE_IN_EVENT_LOOP = """
import importlib, sys, threading
from agentloop._loop._agent import refuse_in_event_loop

assert "asyncio" not in sys.modules
barrier = threading.Barrier(16)
failures = []

def work(i):
    barrier.wait()
    try:
        if i % 4 == 0:
            importlib.import_module("asyncio")  # a tool thread's first async call, say
        for _ in range(200):
            refuse_in_event_loop()  # another agent.run() starting meanwhile
    except Exception as exc:
        failures.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(failures[:1])
"""


def test_the_event_loop_check_while_another_thread_imports_asyncio():
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", REFUSE_IN_EVENT_LOOP], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "[]\n"


FIRST_INVALID_INPUT = """
import sys, threading
from agentloop import RunContext, tool

@tool
def lookup(key: str, limit: int = 3) -> str:
    \"\"\"Look a key up.\"\"\"
    return key

assert "jsonschema" not in sys.modules, "a tool from a signature needs no jsonschema"
barrier = threading.Barrier(12)
results = []

def work(i):
    barrier.wait()
    bad = {"key": i} if i % 2 else {"limit": "many"}  # jsonschema words these, first use
    results.append((i, lookup.call(bad, RunContext(None))))

threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
for t in threads: t.start()
for t in threads: t.join()
assert len(results) == 12
for i, result in results:
    expected = (
        f"- key: {i} is not of type 'string'" if i % 2 else
        "- key: required property is missing\\n- limit: 'many' is not of type 'integer'"
    )
    assert result.is_error and result.content == f"Invalid input for tool lookup:\\n{expected}", (
        i, result)
print("ok")
"""


def test_the_first_invalid_input_from_many_threads_loads_jsonschema_once():
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_INVALID_INPUT], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "ok\n"
