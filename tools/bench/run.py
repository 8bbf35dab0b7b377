"""agentloop against a hand-written httpx loop, side by side, in one run.

    .venv/bin/python tools/bench/run.py              # full run, prints the table
    .venv/bin/python tools/bench/run.py --smoke      # tiny sizes; checks it all runs
    .venv/bin/python tools/bench/run.py --json results.json

Starts the bench's fake Messages API (tools/bench/_server.py) on 127.0.0.1,
then runs every case in a fresh process per repetition (tools/bench/_case.py),
for agentloop, the raw loop (tools/bench/_raw.py) and, when installed, the
``anthropic`` SDK's tool runner and pydantic-ai. Medians are reported with
the ratio agentloop / raw and the target. ``--smoke`` never judges times: it
exits 0 when every case ran and gave the right answers.

How a figure is taken, per scenario:

- 1: ``import`` in 9 fresh processes; the median.
- 2: 7 fresh processes; each times its 20 conversations three times over and
  keeps the best batch; the median of those.
- 3 and 5: 5 fresh processes, one timed batch each; the median.
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
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _cases import Case, all_cases  # noqa: E402
from _report import Row, case_rows, import_rows, machine, render  # noqa: E402

PEERS = {"anthropic": "anthropic", "pydantic_ai": "pydantic_ai"}
IMPORTS = ["agentloop", "httpx", "anthropic", "pydantic_ai"]
PEER_REPEAT = 3
"""Peers are context, not judged: fewer repetitions keep the full run under 10 minutes."""


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


def measure_imports(repeat: int, impls: list[str]) -> dict[str, list[float]]:
    modules = [m for m in IMPORTS if m in ("agentloop", "httpx") or m in impls]
    samples: dict[str, list[float]] = {m: [] for m in modules}
    for module in modules:  # untimed: writes the bytecode caches
        _python("import", module)
    for _ in range(repeat):
        for module in modules:
            samples[module].append(_python("import", module)["seconds"])
    return samples


def measure_case(
    case: Case, url: str, impls: list[str], repeat: int
) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in impls if _supports(impl, case)}
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
    parser.add_argument("--repeat", type=int, help="fresh processes per case (default 5; smoke 1)")
    parser.add_argument("--no-peers", action="store_true", help="skip anthropic and pydantic-ai")
    parser.add_argument("--only", help="run only scenarios whose name starts with this")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.smoke else 5)
    impls = ["agentloop", "raw", *_peers(not args.no_peers and not args.smoke)]
    started = time.perf_counter()
    rows: list[Row] = []
    if not args.only or "1".startswith(args.only):
        imports = measure_imports(2 if args.smoke else max(repeat, 9), impls)
        rows += import_rows(imports)
    cases = [c for c in all_cases(args.smoke) if not args.only or c.scenario.startswith(args.only)]
    results: list[tuple[Case, dict[str, list[dict[str, Any]]]]] = []
    with Server() as url:
        for case in cases:
            sys.stderr.write(f"  {case.scenario}: {case.variant}\n")
            # Scenario 2 is quick and its per-request figures are the noisiest: more runs.
            quick = case.scenario.startswith("2") and not (args.repeat or args.smoke)
            results.append((case, measure_case(case, url, impls, 7 if quick else repeat)))
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
