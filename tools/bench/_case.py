"""Run one measured case in this (fresh) process and print its result as JSON.

    python tools/bench/_case.py IMPL URL CASE_JSON
    python tools/bench/_case.py import MODULE

IMPL is ``raw``, ``agentloop``, ``anthropic`` or ``pydantic_ai``. One
conversation runs first, untimed (connections, first-use imports), then the
case's conversations are timed, as one batch, ``batches`` times over (the best
batch counts); every conversation's final text and request count are checked. A paired case (scenario 4) instead times one conversation
at size N then one at 2N, ``paired`` times over, and reports the best of each
size. The second form times ``import MODULE``.
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
    best = float("inf")
    for _ in range(case.batches):
        start = time.perf_counter()
        outcomes = [one() for _ in range(case.conversations)]
        best = min(best, time.perf_counter() - start)
        for outcome in outcomes:
            _check(case, outcome, expected)
    return best


async def _run_async(case: Any, one: Any, expected: str) -> float:
    _check(case, await one(), expected)
    gate = asyncio.Semaphore(case.concurrency)

    async def gated() -> tuple[str, int]:
        async with gate:
            result: tuple[str, int] = await one()
            return result

    best = float("inf")
    for _ in range(case.batches):
        start = time.perf_counter()
        outcomes = await asyncio.gather(*(gated() for _ in range(case.conversations)))
        best = min(best, time.perf_counter() - start)
        for outcome in outcomes:
            _check(case, outcome, expected)
    return best


def _timed(one: Any) -> tuple[float, tuple[str, int]]:
    start = time.perf_counter()
    outcome = one()
    return time.perf_counter() - start, outcome


async def _atimed(one: Any) -> tuple[float, tuple[str, int]]:
    start = time.perf_counter()
    outcome = await one()
    return time.perf_counter() - start, outcome


def _run_paired(cases: list[Any], ones: list[Any], expected: list[str]) -> list[float]:
    """The best time of each size, over interleaved rounds (sync driver)."""
    for case, one, text in zip(cases, ones, expected, strict=True):
        _check(case, one(), text)
    best = [float("inf")] * len(ones)
    for _ in range(cases[0].paired):
        for i, (case, one, text) in enumerate(zip(cases, ones, expected, strict=True)):
            seconds, outcome = _timed(one)
            _check(case, outcome, text)
            best[i] = min(best[i], seconds)
    return best


async def _arun_paired(cases: list[Any], ones: list[Any], expected: list[str]) -> list[float]:
    """The best time of each size, over interleaved rounds (async driver)."""
    for case, one, text in zip(cases, ones, expected, strict=True):
        _check(case, await one(), text)
    best = [float("inf")] * len(ones)
    for _ in range(cases[0].paired):
        for i, (case, one, text) in enumerate(zip(cases, ones, expected, strict=True)):
            seconds, outcome = await _atimed(one)
            _check(case, outcome, text)
            best[i] = min(best[i], seconds)
    return best


def _time_case(impl: str, url: str, case_json: str) -> dict[str, Any]:
    from dataclasses import replace

    from _cases import Case
    from _wire import final_text

    case = Case.from_json(case_json)
    module = importlib.import_module(f"_impl_{impl}")
    cases = [case, replace(case, shape=case.shape.doubled())] if case.paired else [case]
    ones = [module.make(c, url + c.shape.path()) for c in cases]
    expected = [final_text(c.shape) for c in cases]
    cpu = _server_cpu(url)
    start = time.perf_counter()
    result: dict[str, Any]
    if case.paired:
        if case.driver == "sync":
            best = _run_paired(cases, ones, expected)
        else:
            best = asyncio.run(_arun_paired(cases, ones, expected))
        result = {"seconds": best[0], "seconds_2n": best[1], "growth": best[1] / best[0]}
    elif case.driver == "sync":
        result = {"seconds": _run_sync(case, ones[0], expected[0])}
    else:
        result = {"seconds": asyncio.run(_run_async(case, ones[0], expected[0]))}
    wall = time.perf_counter() - start
    server_share = (_server_cpu(url) - cpu) / wall
    return {**result, "rss_mb": _peak_rss_mb(), "server_share": server_share}


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
