"""Judging medians against the targets, and the table of results."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from _cases import Case, deltas

IMPORT_TARGET = 0.30
OVERHEAD_RATIO = 1.3
PARALLEL_SECONDS = 0.40
STREAM_RATIO = 2.0
LINEAR_RATIO = 2.0
LINEAR_RESOLUTION = 0.01
"""What the growth figure resolves. A linear stream whose fixed costs are 0.2% of
its time grows by 1.996; across processes the figure scatters by about ±0.015
around that, the raw loop's (linear by construction) as much as agentloop's, so
the median of five is good to about ±0.01. The target is judged to that."""
CONCURRENCY_RATIO = 1.3
RSS_MB = 60.0

Runs = dict[str, list[dict[str, Any]]]
"""Scenario 4: per implementation, one result per fresh process."""


@dataclass
class Lockstep:
    """Scenarios 2, 3 and 5: what the lockstep rounds of every set of workers gave."""

    batches: dict[str, list[dict[str, float]]]
    """Per implementation, every timed batch: its ``seconds`` and ``server_share``."""
    ratios: list[float]
    """agentloop's batch time over the raw loop's in the same round, one per timed round."""
    rss_mb: dict[str, list[float]]
    """Per implementation, each set's worker's peak RSS."""


@dataclass
class Row:
    """One line of the table: agentloop's median, the raw loop's, and the verdict."""

    scenario: str
    variant: str
    unit: str
    agentloop: float
    raw: float | None = None
    target: str = ""
    passed: bool | None = None
    peers: dict[str, float] = field(default_factory=dict)
    server: float | None = None
    """The bench server's CPU seconds over the raw loop's wall time, while the raw loop ran."""
    spread: tuple[float, float] | None = None
    """agentloop's lowest and highest figure over the processes, where it is shown."""
    ratio_value: float | None = None
    """The ratio when it is not agentloop / raw of the two medians: for the lockstep
    scenarios, the median of the rounds' paired ratios."""
    ratios: list[float] = field(default_factory=list)
    """The paired ratios that median is taken over (one per timed round)."""

    @property
    def ratio(self) -> float | None:
        if self.ratio_value is not None:
            return self.ratio_value
        return self.agentloop / self.raw if self.raw else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def _median(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return statistics.median(run[key] for run in runs)


def import_rows(forms: dict[str, dict[str, list[float]]]) -> list[Row]:
    """The judged row (as 0.1 timed it, agentloop's runtime dependencies only), then, not
    judged, from a bare interpreter and in the dev venv (with the peers)."""
    medians = {
        form: {module: statistics.median(times) for module, times in samples.items()}
        for form, samples in forms.items()
    }
    judged, bare, dev = medians["import"], medians["import-bare"], medians["import-dev"]
    peers = {m: v for m, v in dev.items() if m not in ("agentloop", "httpx")}
    mine = judged["agentloop"]
    return [
        Row("1 import", "import (s)", "s", mine, judged["httpx"], f"<= {IMPORT_TARGET:.2f} s",
            mine <= IMPORT_TARGET),
        Row("1 import (bare)", "import (s)", "s", bare["agentloop"], bare["httpx"]),
        Row("1 import (dev venv)", "import (s)", "s", dev["agentloop"], dev["httpx"],
            peers=peers),
    ]  # fmt: skip


def _server_share(runs: Runs) -> float | None:
    raw = runs.get("raw")
    if not raw or "server_share" not in raw[0]:
        return None
    return statistics.median(run["server_share"] for run in raw)


def _lockstep_row(case: Case, runs: Lockstep, unit: str, scale: float, target: str,
                  ok: Any) -> Row:  # fmt: skip
    """Each implementation's median batch (scaled), and the median paired ratio."""
    values = {impl: _median(batches) * scale for impl, batches in runs.batches.items()}
    peers = {impl: v for impl, v in values.items() if impl not in ("agentloop", "raw")}
    row = Row(case.scenario, case.variant, unit, values["agentloop"], values["raw"], target,
              peers=peers, server=_server_share(runs.batches),
              ratio_value=statistics.median(runs.ratios), ratios=runs.ratios)  # fmt: skip
    row.passed = ok(row)
    return row


def _row(case: Case, runs: Runs, unit: str, scale: float, target: str, ok: Any,
         key: str = "seconds", variant: str = "") -> Row:  # fmt: skip
    values = {impl: _median(r, key) * scale for impl, r in runs.items()}
    peers = {impl: v for impl, v in values.items() if impl not in ("agentloop", "raw")}
    row = Row(case.scenario, variant or case.variant, unit, values["agentloop"], values["raw"],
              target, peers=peers, server=_server_share(runs))  # fmt: skip
    row.passed = ok(row)
    return row


def case_rows(results: list[tuple[Case, Runs | Lockstep]]) -> list[Row]:
    rows: list[Row] = []
    for case, runs in results:
        if not isinstance(runs, Lockstep):
            rows += _stream_rows(case, runs)
        elif case.scenario.startswith("2"):
            scale = 1e6 / (case.conversations * case.requests)
            rows.append(_lockstep_row(case, runs, "us/request", scale, f"ratio <= {OVERHEAD_RATIO}",
                                      lambda r: r.ratio <= OVERHEAD_RATIO))  # fmt: skip
        elif case.scenario.startswith("3"):
            rows.append(_lockstep_row(case, runs, "s", 1.0, f"<= {PARALLEL_SECONDS:.2f} s",
                                      lambda r: r.agentloop <= PARALLEL_SECONDS))  # fmt: skip
        elif case.scenario.startswith("5"):
            rows.append(_lockstep_row(case, runs, "s", 1.0, f"ratio <= {CONCURRENCY_RATIO}",
                                      lambda r: r.ratio <= CONCURRENCY_RATIO))  # fmt: skip
            rss = {impl: statistics.median(values) for impl, values in runs.rss_mb.items()}
            peers = {impl: v for impl, v in rss.items() if impl not in ("agentloop", "raw")}
            rows.append(Row(case.scenario, f"{case.variant} peak RSS", "MB", rss["agentloop"],
                            rss["raw"], f"<= {RSS_MB:.0f} MB", rss["agentloop"] <= RSS_MB,
                            peers))  # fmt: skip
    return rows


def _stream_rows(case: Case, runs: Runs) -> list[Row]:
    """Per-delta cost at N and at 2N, and the growth: the 2N time over the N time,
    paired within each process, median over processes."""
    target, ok = f"ratio <= {STREAM_RATIO}", lambda r: r.ratio <= STREAM_RATIO
    n = deltas(case)
    growth = _row(case, runs, "x", 1.0, f"<= {LINEAR_RATIO:.2f}x ±{LINEAR_RESOLUTION}",
                  lambda r: r.agentloop <= LINEAR_RATIO + LINEAR_RESOLUTION, "growth",
                  f"{case.variant} 2N/N")  # fmt: skip
    growth.server = None
    figures = [run["growth"] for run in runs["agentloop"]]
    growth.spread = (min(figures), max(figures))
    return [
        _row(case, runs, "us/delta", 1e6 / n, target, ok, "seconds", f"{case.variant} N"),
        _row(case, runs, "us/delta", 1e6 / (2 * n), target, ok, "seconds_2n",
             f"{case.variant} 2N"),
        growth,
    ]  # fmt: skip


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit in ("s", "x"):
        return f"{value:.3f}"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _value(row: Row) -> str:
    if row.spread is None:
        return _fmt(row.agentloop, row.unit)
    low, high = row.spread
    return f"{row.agentloop:.3f} [{low:.3f}, {high:.3f}]"


def render(rows: list[Row], info: dict[str, Any], impls: list[str], elapsed: float,
           *, smoke: bool) -> str:  # fmt: skip
    peers = [i for i in impls if i not in ("agentloop", "raw")]
    head = ["scenario", "variant", "unit", "agentloop", "raw", "ratio", "target", "result",
            *peers, "server"]  # fmt: skip
    table = [head]
    for row in rows:
        verdict = "-" if smoke or row.passed is None else "PASS" if row.passed else "FAIL"
        server = f"{row.server:.0%}" if row.server is not None else ""
        table.append([row.scenario, row.variant, row.unit, _value(row),
                      _fmt(row.raw, row.unit), _fmt(row.ratio), row.target, verdict,
                      *(_fmt(row.peers.get(p), row.unit) for p in peers), server])  # fmt: skip
    widths = [max(len(line[i]) for line in table) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)).rstrip()
        for line in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(f"machine: {info['cpu']}, {info['cores']} cores, {info['implementation']} "
                 f"{info['python']}, {info['system']}; run took {elapsed:.0f} s"
                 f"{' (smoke: sizes tiny, times not judged)' if smoke else ''}")  # fmt: skip
    lines += _how(rows)
    if any(row.spread for row in rows):
        lines.append("2N/N: a process times the stream at N and at 2N, interleaved, best of each; "
                     "the median of processes [lowest, highest]; judged to what it resolves, "
                     f"±{LINEAR_RESOLUTION} (see the raw loop's, linear by construction)")  # fmt: skip
    return "\n".join(lines)


def _how(rows: list[Row]) -> list[str]:
    """The footer lines saying how the figures shown were taken."""
    lines = []
    if any(row.scenario.startswith("1") for row in rows):
        lines.append("1: import in fresh processes, median; '1 import' after what 0.1's harness "
                     "loaded, hiding what only packages outside agentloop's runtime dependencies "
                     "provide (what `pip install agentloop` has); '(bare)' the same from a bare "
                     "interpreter; '(dev venv)' hides nothing (peers: there only)")  # fmt: skip
    rounds = {row.scenario: len(row.ratios) for row in rows if row.ratios}
    if rounds:
        counts = ", ".join(f"{scenario.split()[0]}: {n}" for scenario, n in rounds.items())
        lines.append("2, 3, 5: lockstep: one worker process per implementation, in sets; each "
                     "round, every worker times one batch in turn (agentloop and raw back to "
                     "back, their order alternating), a set's first round a warm-up; figures "
                     "are the median batch, ratio is the median over rounds of the round's "
                     f"agentloop/raw (timed rounds {counts})")  # fmt: skip
    if any(row.scenario.startswith("4") for row in rows):
        lines.append("4: medians of fresh processes")
    if any(row.server is not None for row in rows):
        lines.append("'server' is the bench server's CPU time over the raw loop's time, "
                     "median over its batches or processes (the server's share of the floor)")  # fmt: skip
    return lines
