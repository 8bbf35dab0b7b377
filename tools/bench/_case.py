"""Run one measured case in this (fresh) process and print its result as JSON.

    python tools/bench/_case.py IMPL URL CASE_JSON
    python tools/bench/_case.py import MODULE

IMPL is ``raw``, ``agentloop``, ``anthropic`` or ``pydantic_ai``. One
conversation runs first, untimed (connections, first-use imports), then the
case's conversations are timed; every conversation's final text and request
count are checked. The second form times ``import MODULE``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import resource
import sys
import time
import urllib.request
from typing import Any


def _server_cpu(url: str) -> float:
    """CPU seconds the bench server has used so far."""
    with urllib.request.urlopen(url + "/_stats") as response:
        return float(json.load(response)["cpu"])


def _time_import(module: str) -> dict[str, Any]:
    start = time.perf_counter()
    importlib.import_module(module)
    return {"seconds": time.perf_counter() - start}


def _check(case: Any, outcome: tuple[str, int], expected: str) -> None:
    text, requests = outcome
    if text != expected or requests != case.requests:
        raise SystemExit(
            f"wrong outcome: {requests} requests (expected {case.requests}), "
            f"text {text[:60]!r} (expected {expected[:60]!r})"
        )


def _run_sync(case: Any, one: Any, expected: str) -> float:
    _check(case, one(), expected)
    start = time.perf_counter()
    outcomes = [one() for _ in range(case.conversations)]
    seconds = time.perf_counter() - start
    for outcome in outcomes:
        _check(case, outcome, expected)
    return seconds


async def _run_async(case: Any, one: Any, expected: str) -> float:
    _check(case, await one(), expected)
    gate = asyncio.Semaphore(case.concurrency)

    async def gated() -> tuple[str, int]:
        async with gate:
            result: tuple[str, int] = await one()
            return result

    start = time.perf_counter()
    outcomes = await asyncio.gather(*(gated() for _ in range(case.conversations)))
    seconds = time.perf_counter() - start
    for outcome in outcomes:
        _check(case, outcome, expected)
    return seconds


def _time_case(impl: str, url: str, case_json: str) -> dict[str, Any]:
    from _cases import Case
    from _wire import final_text

    case = Case.from_json(case_json)
    module = importlib.import_module(f"_impl_{impl}")
    one = module.make(case, url + case.shape.path())
    expected = final_text(case.shape)
    cpu = _server_cpu(url)
    if case.driver == "sync":
        seconds = _run_sync(case, one, expected)
    else:
        seconds = asyncio.run(_run_async(case, one, expected))
    server_cpu = _server_cpu(url) - cpu
    return {"seconds": seconds, "rss_mb": _peak_rss_mb(), "server_cpu": server_cpu}


def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux's ``ru_maxrss`` would carry the parent's
    peak over fork and exec, so the high-water mark of this image is read instead."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    result = _time_import(argv[1]) if argv[0] == "import" else _time_case(*argv)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
