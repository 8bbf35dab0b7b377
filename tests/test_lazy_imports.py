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
