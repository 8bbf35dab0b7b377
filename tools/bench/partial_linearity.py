"""Partial outputs while streaming: is their cost per delta flat as outputs grow?

    python tools/bench/partial_linearity.py

Feeds one structured output (JSON) in N text deltas, N = 2,500 … 40,000, to
the tracker a streamed run with ``output_type`` uses (``PartialTracker``, which
parses the partial JSON in bounded steps with pydantic_core's
``from_json(allow_partial=...)`` and builds the partial value), and prints the
best of 5 runs per size as microseconds per delta, how many parses it made and
how many characters they read per character of output. Linear parsing shows a
flat first column and a bounded last one; parsing the whole buffer on every
delta would read about N/2 characters per character. The check that decides
(exit status 1) counts the work instead of timing it: all parses together read
at most 10 characters per character of output, at every size.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from pydantic import BaseModel

from agentloop._loop._events import ModelRequestStarted, TextDelta
from agentloop._loop._output import output_spec
from agentloop._loop._output_partial import PartialTracker

BOUND = 10  # characters parsed per character of output: (ratio + 1) plus the first steps


class Row(BaseModel):
    k: int
    v: str


class Table(BaseModel):
    rows: list[Row]


def deltas(n: int) -> list[TextDelta]:
    """One output of ``n`` deltas (each about 6 characters)."""
    text = json.dumps({"rows": [{"k": i, "v": "x" * 20} for i in range(n // 6 + 1)]})
    size = -(-len(text) // n)
    return [TextDelta(0, text[i : i + size]) for i in range(0, len(text), size)]


def measure(events: list[TextDelta], repeat: int = 5) -> tuple[float, int, float]:
    spec = output_spec(Table, "native", "claude-sonnet-4-6")
    assert spec is not None
    gc.collect()
    gc.freeze()  # the pre-built deltas are scaffolding: the collector need not rescan them
    chars = sum(len(e.text) for e in events)
    best, parses, ratio = float("inf"), 0, 0.0
    for _ in range(repeat):
        tracker = PartialTracker(spec)
        tracker.on_event(ModelRequestStarted(1, 1000))
        started = time.perf_counter()
        for event in events:
            tracker.on_event(event)
        best = min(best, time.perf_counter() - started)
        parser = tracker._buffers[0]
        parses, ratio = parser.parses, parser.parsed_chars / chars
    gc.unfreeze()
    return best / len(events) * 1e6, parses, ratio


def main() -> int:
    sys.stdout.write(f"{'deltas':>8}  {'us/delta':>9}  {'parses':>7}  {'chars read/char':>16}\n")
    worst = 0.0
    for n in (2_500, 5_000, 10_000, 20_000, 40_000):
        per_delta, parses, ratio = measure(deltas(n))
        worst = max(worst, ratio)
        sys.stdout.write(f"{n:>8}  {per_delta:>9.2f}  {parses:>7}  {ratio:>16.2f}\n")
    if worst > BOUND:
        sys.stdout.write(f"FAIL: parses read {worst:.1f} characters per character (> {BOUND})\n")
        return 1
    sys.stdout.write(f"ok: at most {worst:.2f} characters read per character of output\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
