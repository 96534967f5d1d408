"""What a benchmark reports: latencies with their percentiles, errors by reason, the machine.

Percentiles use the inclusive method over all samples, so a p95 of 20 samples is the
19th-smallest-ish value rather than an extrapolation beyond the slowest one.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class Timings:
    """Milliseconds of every answered request of one kind, and every failure by reason."""

    values: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, ms: float) -> None:
        self.values.append(ms)

    def fail(self, reason: str) -> None:
        self.errors[reason] += 1

    @property
    def p50(self) -> float | None:
        return percentile(self.values, 50)

    @property
    def p95(self) -> float | None:
        return percentile(self.values, 95)

    def as_json(self) -> dict[str, Any]:
        return {
            "count": len(self.values),
            "p50_ms": rounded(self.p50, 1),
            "p95_ms": rounded(self.p95, 1),
            "max_ms": rounded(max(self.values), 1) if self.values else None,
            "errors": dict(self.errors),
        }

    def line(self, name: str) -> str:
        def ms(v: float | None) -> str:
            return "    —" if v is None else f"{v:7.1f}"

        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return (
            f"  {name:<24} n={len(self.values):<6} p50 {ms(self.p50)} ms  p95 {ms(self.p95)} ms"
            f"  errors: {errors}"
        )


def machine() -> dict[str, Any]:
    """Cores, memory and load: the figures are only comparable on a like machine."""
    total_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            total_kib = int(line.split()[1])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "load_1min_at_start": round(os.getloadavg()[0], 2),
    }
