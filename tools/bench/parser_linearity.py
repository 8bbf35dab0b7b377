"""agentloop's own stream parsing, without HTTP: is its cost per delta flat as streams grow?

    python tools/bench/parser_linearity.py

Feeds the SSE bytes of one tool_use whose input JSON arrives in N fragments
(and one text answer in N text deltas) straight into agentloop's stream core
(SSE decoder + accumulator + final Message), for N = 2,500 … 40,000, and prints
the best of 5 runs per size as microseconds per delta. Linear parsing shows a
flat column. Scenario 4 of ``run.py`` measures the same through HTTP, where
httpx's per-chunk cost, which the raw loop pays too, dominates.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from agentloop._base_client import StreamCore


def _frame(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def stream(n: int, kind: str) -> list[bytes]:
    """The SSE body of one response with ``n`` deltas, one chunk per event."""
    start = {"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "m",
        "stop_reason": None, "usage": {"input_tokens": 1, "output_tokens": 1}}}  # fmt: skip
    if kind == "json":
        block = {"type": "tool_use", "id": "toolu_1", "name": "ingest", "input": {}}
        text = json.dumps({"rows": [{"k": i, "v": "x" * 20} for i in range(n)]})
        size = -(-len(text) // n)
        deltas = [{"type": "input_json_delta", "partial_json": text[i : i + size]}
                  for i in range(0, len(text), size)]  # fmt: skip
    else:
        block = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": "word "} for _ in range(n)]
    events = [start, {"type": "content_block_start", "index": 0, "content_block": block}]
    events += [{"type": "content_block_delta", "index": 0, "delta": d} for d in deltas]
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": n},
        },
        {"type": "message_stop"},
    ]
    return [_frame(e) for e in events]


def per_delta(chunks: list[bytes], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        core = StreamCore(None, model="m", attempt=1, started=started)
        for chunk in chunks:
            core.feed(chunk)
        core.end()
        core.accumulator.message()
        best = min(best, time.perf_counter() - started)
    return best / len(chunks) * 1e6


def main() -> None:
    sys.stdout.write(f"{'deltas':>8}  {'text us/delta':>14}  {'json us/delta':>14}\n")
    for n in (2_500, 5_000, 10_000, 20_000, 40_000):
        text, data = per_delta(stream(n, "text")), per_delta(stream(n, "json"))
        sys.stdout.write(f"{n:>8}  {text:>14.2f}  {data:>14.2f}\n")


if __name__ == "__main__":
    main()
