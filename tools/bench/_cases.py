"""The measured cases: what each scenario runs, at full and smoke size, and its target."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from _wire import Shape


@dataclass(frozen=True)
class Case:
    """One measured combination: a conversation shape, a driver, and how many to run."""

    scenario: str
    variant: str
    shape: Shape = field(default_factory=Shape)
    driver: str = "sync"  # "sync" or "async"
    stream: bool = False
    conversations: int = 1
    concurrency: int = 1
    async_tools: bool = False
    sleep: float = 0.0
    """Seconds each tool call sleeps."""
    paired: int = 0
    """Scenario 4: timed rounds per process, each running the shape at size N and at 2N.

    Both sizes run in the same process, interleaved, so their ratio (the linearity
    figure) is not blurred by the differences between processes (memory layout,
    CPU frequency), which are as large as what is measured."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Case:
        data = json.loads(text)
        return cls(**{**data, "shape": Shape(**data["shape"])})

    @property
    def requests(self) -> int:
        """Model requests per conversation."""
        return self.shape.rounds + 1


def overhead_cases(smoke: bool) -> list[Case]:
    """Scenario 2: many quick rounds, one instant tool each."""
    shape = Shape("lookup", rounds=3 if smoke else 20)
    convs = 2 if smoke else 20
    return [
        Case(
            "2 overhead",
            f"{driver} {'stream' if stream else 'json'}",
            shape,
            driver,
            stream,
            convs,
            async_tools=driver == "async",
        )
        for driver in ("sync", "async")
        for stream in (False, True)
    ]


def parallel_cases(smoke: bool) -> list[Case]:
    """Scenario 3: rounds of parallel slow tools; they must overlap."""
    shape = Shape("slow", rounds=1 if smoke else 3, calls=8)
    sleep = 0.01 if smoke else 0.1
    return [
        Case("3 parallel", "sync", shape, "sync", sleep=sleep),
        Case("3 parallel", "async", shape, "async", async_tools=True, sleep=sleep),
        Case("3 parallel", "async, sync tools", shape, "async", sleep=sleep),
    ]


def stream_cases(smoke: bool) -> list[Case]:
    """Scenario 4: long streams, each process timing size N and 2N (for linearity)."""
    text_n, json_n, json_bytes = (200, 50, 2_000) if smoke else (20_000, 5_000, 200_000)
    paired = 1 if smoke else 4
    text = Shape("lookup", rounds=0, text_deltas=text_n)
    big = Shape("ingest", rounds=1, json_bytes=json_bytes, json_deltas=json_n)
    return [
        Case(
            "4 stream",
            f"{kind} {driver}",
            shape,
            driver,
            True,
            async_tools=driver == "async",
            paired=paired,
        )
        for driver in ("sync", "async")
        for kind, shape in (("text", text), ("json", big))
    ]


def concurrency_cases(smoke: bool) -> list[Case]:
    """Scenario 5: many concurrent conversations on the async driver."""
    shape = Shape("wait", rounds=5, calls=2)
    convs, at_once = (10, 5) if smoke else (200, 100)
    return [Case("5 concurrency", "async", shape, "async", False, convs, at_once, True, 0.01)]


def all_cases(smoke: bool) -> list[Case]:
    return [
        *overhead_cases(smoke),
        *parallel_cases(smoke),
        *stream_cases(smoke),
        *concurrency_cases(smoke),
    ]


def deltas(case: Case) -> int:
    """Stream deltas of one conversation of a scenario 4 case."""
    if case.shape.json_bytes:
        return case.shape.json_deltas
    return case.shape.text_deltas
