"""Run one measured case in this (fresh) process and print its result as JSON.

    python tools/bench/_case.py serve IMPL URL CASE_JSON   # a lockstep worker
    python tools/bench/_case.py IMPL URL CASE_JSON         # one process, one result
    python tools/bench/_case.py import MODULE              # as 0.1 timed it, runtime deps only
    python tools/bench/_case.py import-bare MODULE         # from a bare interpreter
    python tools/bench/_case.py import-dev MODULE          # as 0.1 timed it, the whole dev venv

IMPL is ``raw``, ``agentloop``, ``anthropic`` or ``pydantic_ai``. Every form
first runs one conversation untimed (connections, first-use imports) and checks
each conversation's final text and request count.

``serve`` (scenarios 2, 3 and 5) then prints ``{"ready": true}`` and serves
commands, one a line, on stdin: ``batch`` (or ``batch N``: N conversations)
times the case's conversations as one batch (sync: one after another; async: all gathered under the case's
concurrency gate) and prints ``{"seconds", "server_share"}``; ``done`` prints
``{"rss_mb"}`` (this process's peak) and exits. An async worker keeps one
event loop for its whole life: its clients' connections belong to that loop.

The one-shot form times one batch; for a paired case (scenario 4) it instead
times one conversation at size N then one at 2N, ``paired`` times over, and
reports the best of each size.

``import`` times ``import MODULE`` the way the harness of 0.1, where the
import target was set, did (after loading what that harness imported: asyncio,
json, urllib.request, ...), with every top-level module refused that only
distributions outside agentloop's runtime dependency closure provide: what a
user who ran ``pip install agentloop`` has (httpx, for one, imports its
optional CLI dependencies, click, rich and pygments, when they are importable).
``import-bare`` times it from a bare interpreter (nothing loaded beforehand),
with the same refusals: the whole cost a fresh ``python -c "import agentloop"``
pays. ``import-dev`` times it like ``import``, with the dev venv as it is.
"""

# The import forms time an import from a bare interpreter, so this module
# imports nothing at the top beyond what the interpreter has loaded at start-up
# (sys, os, time; ``__future__`` is a tiny module the timed packages load too).
# The case forms import what they need where they need it.
from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

HIDDEN = "AGENTLOOP_BENCH_HIDDEN"
"""Set by the ``import`` form for its re-executed self: the top-level modules to refuse."""


# -- import ------------------------------------------------------------------------------------


def _normalise(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_closure(root: str = "agentloop") -> set[str]:
    """The installed distributions ``pip install ROOT`` brings in (no extras), normalised.

    Requirements with any other marker (a Python version, a platform) are kept:
    keeping one only allows more, never refuses what the import needs."""
    import re
    from importlib import metadata

    closure: set[str] = set()
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = _normalise(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # not installed (a marker for another platform): nothing it provides
        closure.add(name)
        for requirement in requires:
            if "extra" in requirement.partition(";")[2]:
                continue
            match = re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
            if match:
                todo.append(match.group())
    return closure


def _outside_closure() -> list[str]:
    """Top-level modules that only distributions outside agentloop's closure provide.

    The standard library is not in ``packages_distributions`` and so is never refused."""
    from importlib import metadata

    closure = _runtime_closure()
    provided = metadata.packages_distributions()
    return sorted(
        module
        for module, dists in provided.items()
        if module.isidentifier() and not any(_normalise(d) in closure for d in dists)
    )


class _Refuse:
    """A ``sys.meta_path`` finder that refuses the given top-level modules, as if absent."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.refused: set[str] = set()

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname in self.names:  # submodules need their (refused) parent first
            self.refused.add(fullname)
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


HARNESS = ("asyncio", "importlib", "json", "resource", "urllib.request")
"""What the case harness of 0.1, where the import target was set, had loaded before it
timed an import (its own top-level imports). The judged form loads the same first."""


def _time_import(module: str, *, runtime_only: bool, harness: bool) -> dict[str, Any]:
    refuse = None
    if runtime_only:
        if HIDDEN not in os.environ:
            # Finding the closure loads importlib.metadata (email, pathlib, re, typing,
            # threading, ...: much of what the timed import loads, ~0.1 s of it). So this
            # process only works the list out, then replaces itself with a bare
            # interpreter that is handed the list and times the import.
            env = {**os.environ, HIDDEN: " ".join(_outside_closure())}
            os.execve(sys.executable, sys.orig_argv, env)
        refuse = _Refuse(frozenset(os.environ[HIDDEN].split()))
        sys.meta_path.insert(0, refuse)
    if harness:
        for name in HARNESS:
            __import__(name)
    start = time.perf_counter()
    __import__(module)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {"seconds": seconds}
    if refuse is not None:
        result["refused"] = sorted(refuse.refused)  # what the import looked for and did without
    return result


# -- cases -------------------------------------------------------------------------------------


def _server_cpu(url: str) -> float:
    """CPU seconds the bench server has used so far."""
    import json
    import urllib.request

    with urllib.request.urlopen(url + "/_stats") as response:
        return float(json.load(response)["cpu"])


def _check(case: Any, outcome: tuple[str, int], expected: str) -> None:
    text, requests = outcome
    if text != expected or requests != case.requests:
        raise SystemExit(
            f"wrong outcome: {requests} requests (expected {case.requests}), "
            f"text {text[:60]!r} (expected {expected[:60]!r})"
        )


def _batch(case: Any, one: Any, expected: str, size: int | None = None) -> float:
    """One timed batch (sync driver): ``size`` conversations (the case's number unless
    given), one after another."""
    start = time.perf_counter()
    outcomes = [one() for _ in range(size or case.conversations)]
    seconds = time.perf_counter() - start
    for outcome in outcomes:
        _check(case, outcome, expected)
    return seconds


async def _abatch(case: Any, one: Any, expected: str, gate: Any, size: int | None = None) -> float:
    """One timed batch (async driver): ``size`` conversations (the case's number unless
    given) gathered, ``gate`` bounding how many run at once."""
    import asyncio

    async def gated() -> tuple[str, int]:
        async with gate:
            result: tuple[str, int] = await one()
            return result

    start = time.perf_counter()
    outcomes = await asyncio.gather(*(gated() for _ in range(size or case.conversations)))
    seconds = time.perf_counter() - start
    for outcome in outcomes:
        _check(case, outcome, expected)
    return seconds


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


def _build(impl: str, url: str, case_json: str) -> tuple[list[Any], list[Any], list[str]]:
    """The case (and its 2N twin when paired), each one's conversation, and its answer."""
    from dataclasses import replace

    from _cases import Case
    from _wire import final_text

    case = Case.from_json(case_json)
    module = __import__(f"_impl_{impl}")
    cases = [case, replace(case, shape=case.shape.doubled())] if case.paired else [case]
    ones = [module.make(c, url + c.shape.path()) for c in cases]
    return cases, ones, [final_text(c.shape) for c in cases]


def _time_case(impl: str, url: str, case_json: str) -> dict[str, Any]:
    import asyncio

    cases, ones, expected = _build(impl, url, case_json)
    case, one, text = cases[0], ones[0], expected[0]
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
        _check(case, one(), text)
        result = {"seconds": _batch(case, one, text)}
    else:

        async def once() -> float:
            _check(case, await one(), text)
            return await _abatch(case, one, text, asyncio.Semaphore(case.concurrency))

        result = {"seconds": asyncio.run(once())}
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
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the lockstep worker -----------------------------------------------------------------------


def _reply(data: dict[str, Any]) -> None:
    import json

    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def _measured(url: str, seconds: float, cpu: float) -> dict[str, Any]:
    """A batch's reply: its time, and the server's CPU share over it (``cpu`` read before)."""
    return {"seconds": seconds, "server_share": (_server_cpu(url) - cpu) / seconds}


def _size(command: list[str]) -> int | None:
    """The batch size of a ``batch [N]`` command (None: the case's own)."""
    return int(command[1]) if len(command) > 1 else None


def _serve(impl: str, url: str, case_json: str) -> None:
    cases, ones, expected = _build(impl, url, case_json)
    case, one, text = cases[0], ones[0], expected[0]
    if case.paired:
        raise SystemExit("a paired case (scenario 4) runs one-shot, not in a worker")
    if case.driver != "sync":
        import asyncio

        asyncio.run(_aserve(case, one, text, url))
        return
    _check(case, one(), text)
    _reply({"ready": True})
    while (command := sys.stdin.readline().split())[:1] == ["batch"]:
        cpu = _server_cpu(url)
        _reply(_measured(url, _batch(case, one, text, _size(command)), cpu))
    if command == ["done"]:
        _reply({"rss_mb": _peak_rss_mb()})


async def _aserve(case: Any, one: Any, text: str, url: str) -> None:
    """The async worker's whole life, on one event loop. stdin is read on a thread of its
    own, so the default executor (which runs sync tools) is left to the batches."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(case.concurrency)
    stdin = ThreadPoolExecutor(1, thread_name_prefix="stdin")
    readline: Callable[[], str] = sys.stdin.readline
    try:
        _check(case, await one(), text)
        _reply({"ready": True})
        while (command := (await loop.run_in_executor(stdin, readline)).split())[:1] == ["batch"]:
            cpu = _server_cpu(url)
            _reply(_measured(url, await _abatch(case, one, text, gate, _size(command)), cpu))
        if command == ["done"]:
            _reply({"rss_mb": _peak_rss_mb()})
    finally:
        stdin.shutdown(wait=False)


IMPORT_FORMS = {"import": (True, True), "import-bare": (True, False), "import-dev": (False, True)}
"""Each import form: (agentloop's runtime dependencies only, the 0.1 harness loaded first)."""


def main(argv: list[str]) -> int:
    if argv[0] in IMPORT_FORMS:
        runtime_only, harness = IMPORT_FORMS[argv[0]]
        result = _time_import(argv[1], runtime_only=runtime_only, harness=harness)
    elif argv[0] == "serve":
        _serve(*argv[1:])
        return 0
    else:
        result = _time_case(*argv)
    _reply(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
