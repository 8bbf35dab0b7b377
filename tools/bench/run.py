"""agentloop against a hand-written httpx loop, side by side, in one run.

    .venv/bin/python tools/bench/run.py              # full run, prints the table
    .venv/bin/python tools/bench/run.py --smoke      # tiny sizes; checks it all runs
    .venv/bin/python tools/bench/run.py --json results.json

Starts the bench's fake Messages API (tools/bench/_server.py) on 127.0.0.1,
then runs every case (tools/bench/_case.py) for agentloop, the raw loop
(tools/bench/_raw.py) and, when installed, the ``anthropic`` SDK's tool runner
and pydantic-ai. Medians are reported with the ratio agentloop / raw and the
target. ``--smoke`` never judges times: it exits 0 when every case ran and
gave the right answers.

How a figure is taken, per scenario:

- 1: ``import`` in 9 fresh processes per form, interleaved; the median. The
  judged row, "1 import", times it as the harness of 0.1 (where the target was
  set) did, after loading what that harness imported (asyncio, json,
  urllib.request, ...), and refuses every top-level module that only
  distributions outside agentloop's runtime dependency closure provide (its
  ``requires`` without extras, recursively): what a user who ran ``pip install
  agentloop`` has. httpx, for one, imports its optional CLI dependencies
  (click, rich, pygments, here for the docs tooling) whenever they are
  importable. Not judged: "1 import (bare)" times it from a bare interpreter
  (nothing loaded beforehand; the same refusals), the whole cost of a fresh
  ``python -c "import agentloop"``; "1 import (dev venv)" as the judged row
  but refusing nothing, with the peers (timed there only: their dependencies
  differ).
- 2, 3 and 5: lockstep rounds. A set starts one worker process per
  implementation (``_case.py serve``), together; each builds its loop and runs
  one untimed conversation. Then, each round, every worker times one batch,
  one worker after the other: agentloop and raw back to back, their order
  alternating, the peers before or after them. A set's first round is a
  warm-up and is discarded. The CPU of this machine drifts by tens of percent
  over fractions of a second, so figures from processes timed seconds apart
  disagree by more than the targets resolve: the two batches of a round are
  timed back to back, under about the same speed. A batch is the case's
  conversations, except in scenario 2, whose rounds are 2 conversations (tens
  of milliseconds; its figures are scaled to the case's 20). A figure is the
  median of the implementation's timed batches; the ratio (judged for 2 and
  5) is the median, over all timed rounds, of the round's agentloop batch over
  its raw batch. 3 is judged on agentloop's median batch; 5's peak RSS is the
  median over sets of the workers' peak. Sets x rounds: 3 x 41 for 2 (120
  timed rounds), 3 x 4 for 3 and 5 (9); ``--repeat`` sets the number of sets;
  the peers take part in the first 3 rounds of each set only.
- 4: 5 fresh processes; each times the stream at size N and at 2N, interleaved,
  4 times, and keeps the best of each size. The growth 2N/N is taken within
  each process (processes differ by more than it is asked to resolve); the
  median over processes is shown with its lowest and highest value.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _cases import Case, all_cases  # noqa: E402
from _report import Lockstep, Row, Runs, case_rows, import_rows, machine, render  # noqa: E402

PEERS = {"anthropic": "anthropic", "pydantic_ai": "pydantic_ai"}
IMPORTS = ["agentloop", "httpx", "anthropic", "pydantic_ai"]
PEER_REPEAT = 3
"""Peers are context, not judged: fewer repetitions keep the full run under 10 minutes
(fresh processes of scenario 4; in the lockstep scenarios, the rounds of a set they join)."""
SETS = 3
"""Sets of workers per lockstep case (``--repeat`` overrides)."""
ROUNDS = {"2": 41, "3": 4, "5": 4}
"""Rounds per set, per lockstep scenario, the first one a warm-up."""
BATCH = {"2": 2}
"""Conversations per batch where it is not the case's number: scenario 2's rounds are
short (tens of milliseconds), so that the two batches of a round share the machine's speed
of the moment; its figures are scaled to the case's number of conversations."""
TIMEOUT = 300.0
"""Seconds a worker may take to answer one command."""


def _peers(wanted: bool) -> list[str]:
    if not wanted:
        return []
    return [name for name, module in PEERS.items() if importlib.util.find_spec(module)]


def _supports(impl: str, case: Case) -> bool:
    """Which cases a peer runs: its own driver style, and no stream parsing (scenario 4)."""
    if impl in ("agentloop", "raw"):
        return True
    if case.scenario.startswith("4") or not (case.async_tools or case.driver == "sync"):
        return False
    return impl == "anthropic" or not case.stream  # pydantic-ai: non-streaming runs only


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Cases import from bytecode caches, as an installed package does (the first run writes them)."""


def _python(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(HERE / "_case.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"case {args[:2]} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


class Server:
    """The bench server in its own process (its own core on a 2-core machine)."""

    def __enter__(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "_server.py")], stdout=subprocess.PIPE, text=True, env=ENV
        )
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def measure_imports(repeat: int, impls: list[str]) -> dict[str, dict[str, list[float]]]:
    """``import`` times per form (see ``_case.py``): ``import`` (judged), ``import-bare``
    and ``import-dev`` (the peers, whose dependencies differ, in the last only)."""
    judged = ["agentloop", "httpx"]
    dev = [m for m in IMPORTS if m in judged or m in impls]
    forms = [("import", m) for m in judged] + [("import-bare", m) for m in judged]
    forms += [("import-dev", m) for m in dev]
    samples: dict[tuple[str, str], list[float]] = {form: [] for form in forms}
    for form in forms:  # untimed: writes the bytecode caches
        _python(*form)
    for _ in range(repeat):
        for form in forms:  # interleaved, so drift hits every figure alike
            samples[form].append(_python(*form)["seconds"])
    by_form: dict[str, dict[str, list[float]]] = {}
    for (form, module), times in samples.items():
        by_form.setdefault(form, {})[module] = times
    return by_form


class Worker:
    """One implementation's lockstep worker (``_case.py serve``): a command a line in, a JSON
    line out. Its stdout is read on a thread, so that a silent worker times out."""

    def __init__(self, impl: str, url: str, case: Case) -> None:
        self.impl, self.case = impl, case
        # A file, not a pipe (a pipe could fill up and stall the worker); closed in close().
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "_case.py"), "serve", impl, url, case.to_json()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=ENV,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def read(self) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=TIMEOUT)
        except queue.Empty:
            raise self._failure(f"no answer in {TIMEOUT:.0f} s") from None
        if line is None:
            raise self._failure(f"exited ({self.proc.wait(10)})")
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self._failure(f"printed {line[:200]!r}")
        return data

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        except OSError:
            raise self._failure(f"exited ({self.proc.wait(10)})") from None
        return self.read()

    def _failure(self, what: str) -> RuntimeError:
        self.stderr.seek(0)
        tail = self.stderr.read()[-3000:].decode(errors="replace")
        return RuntimeError(f"worker {self.impl} for {self.case.scenario}: "
                            f"{self.case.variant} {what}:\n{tail}")  # fmt: skip

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.pump.join(10)  # it reads on until the end of the output: before closing that
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            if stream is not None:
                stream.close()


@contextmanager
def _workers(case: Case, url: str, impls: list[str]) -> Iterator[dict[str, Worker]]:
    """A set of workers, started together, each ready (its untimed conversation run)."""
    workers: dict[str, Worker] = {}
    try:
        for impl in impls:
            workers[impl] = Worker(impl, url, case)
        for worker in workers.values():
            worker.read()
        yield workers
    finally:
        for worker in workers.values():
            worker.close()


def _order(impls: list[str], round_: int) -> list[str]:
    """Who times a batch in this round, in turn: agentloop and raw back to back, their order
    alternating; the peers (in their rounds) after them, or before them every other pair
    of rounds, in rotation. Nobody always goes first."""
    pair = ["agentloop", "raw"] if round_ % 2 == 0 else ["raw", "agentloop"]
    peers = [i for i in impls if i not in pair] if round_ < PEER_REPEAT else []
    if peers:
        shift = round_ % len(peers)
        peers = peers[shift:] + peers[:shift]
    return pair + peers if round_ % 4 < 2 else peers + pair


def measure_lockstep(case: Case, url: str, impls: list[str], sets: int, rounds: int) -> Lockstep:
    """Scenarios 2, 3 and 5: ``sets`` sets of workers, ``rounds`` rounds each (see the top)."""
    impls = [impl for impl in impls if _supports(impl, case)]
    runs = Lockstep({impl: [] for impl in impls}, [], {impl: [] for impl in impls})
    size = BATCH.get(case.scenario[0])
    command = f"batch {size}" if size else "batch"
    scale = case.conversations / size if size else 1.0
    for _ in range(sets):
        with _workers(case, url, impls) as workers:
            for round_ in range(rounds):
                batch = {impl: workers[impl].ask(command) for impl in _order(impls, round_)}
                if round_ == 0:
                    continue  # the warm-up
                for impl, result in batch.items():
                    runs.batches[impl].append({**result, "seconds": result["seconds"] * scale})
                runs.ratios.append(batch["agentloop"]["seconds"] / batch["raw"]["seconds"])
            for impl, worker in workers.items():
                runs.rss_mb[impl].append(worker.ask("done")["rss_mb"])
    return runs


def measure_case(case: Case, url: str, impls: list[str], repeat: int) -> Runs:
    """Scenario 4: ``repeat`` fresh processes per implementation, interleaved."""
    runs: Runs = {impl: [] for impl in impls if _supports(impl, case)}
    for i in range(repeat):
        for impl in runs:  # interleaved, so drift hits every implementation alike
            if impl in ("agentloop", "raw") or i < PEER_REPEAT:
                runs[impl].append(_python(impl, url, case.to_json()))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no judging")
    parser.add_argument("--repeat", type=int, help="sets of workers per case of 2, 3, 5 "
                        "(default 3), fresh processes per case of 4 (default 5); smoke 1")  # fmt: skip
    parser.add_argument("--no-peers", action="store_true", help="skip anthropic and pydantic-ai")
    parser.add_argument("--only", help="run only scenarios whose name starts with this")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.smoke else 5)
    impls = ["agentloop", "raw", *_peers(not args.no_peers and not args.smoke)]
    started = time.perf_counter()
    rows: list[Row] = []
    if not args.only or "1".startswith(args.only):
        rows += import_rows(measure_imports(2 if args.smoke else max(repeat, 9), impls))
    cases = [c for c in all_cases(args.smoke) if not args.only or c.scenario.startswith(args.only)]
    sets = args.repeat or (1 if args.smoke else SETS)
    results: list[tuple[Case, Runs | Lockstep]] = []
    with Server() as url:
        for case in cases:
            sys.stderr.write(f"  {case.scenario}: {case.variant}\n")
            if case.paired:
                results.append((case, measure_case(case, url, impls, repeat)))
            else:
                rounds = 2 if args.smoke else ROUNDS[case.scenario[0]]
                results.append((case, measure_lockstep(case, url, impls, sets, rounds)))
    rows += case_rows(results)
    elapsed = time.perf_counter() - started
    info = machine()
    sys.stdout.write(render(rows, info, impls, elapsed, smoke=args.smoke) + "\n")
    if args.json:
        data = {
            "machine": info,
            "seconds": elapsed,
            "smoke": args.smoke,
            "rows": [r.to_json() for r in rows],
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    if args.smoke:
        return 0
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
