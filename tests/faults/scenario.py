"""The shape every scenario shares: issue a burst, strike mid-burst, clear the fault, wait
for the mail, then check it and the read model and write the scenario's row.

The row is written before anything is asserted, so a failing scenario still shows in the
table what it delivered, lost or duplicated.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from faults.burst import Burst, Expected
from faults.checks import (
    MailTally,
    arrived_share,
    longest_pause,
    read_model_agrees,
    tally_mail,
    wait_for_mail,
    wait_for_share,
)
from faults.stack import FaultStack
from faults.table import ROWS, Row

STRIKE_AT = 0.25
"""The share of the burst's mail delivered when the fault strikes: mid-burst."""
DELIVERY_WAIT = 300.0
"""Seconds to wait for the mail after the fault is cleared before calling the rest lost:
longer than any timeout or backoff of ours, so slowness shows as time, not as loss."""
RECOVERY_BOUND = 120.0
"""The bound asserted on recovery: four times the 30 s target, so a busy machine does not
fail the run; the table shows the figure and marks any above the target."""
AGREEMENT_WAIT = 30.0


@dataclass
class Outcome:
    row: Row
    tally: MailTally
    read_model: list[str]
    share_at_fault: float | None

    def note(self, text: str) -> None:
        """Add to the row's notes what the scenario found after the common checks."""
        self.row.notes = "; ".join(n for n in (self.row.notes, text) if n)

    def assert_clean(self) -> None:
        """Nothing lost, nothing unexpected, duplicates only inside the crash window, the
        read model whole and in agreement, recovery within the generous bound."""
        t = self.tally
        assert not t.lost, f"{len(t.lost)} mails never arrived, e.g. {t.lost[:5]}"
        assert not t.unexpected, f"mail nobody expected: {t.unexpected[:5]}"
        assert not t.bad_copies, f"duplicates outside the crash window: {t.bad_copies[:5]}"
        assert not self.read_model, f"read model: {self.read_model[:5]}"
        if self.share_at_fault is not None:
            assert self.share_at_fault < 1, "the fault struck after all the mail was out"
        if self.row.measured:
            assert self.row.recovery is not None and self.row.recovery < RECOVERY_BOUND, (
                f"recovery {self.row.recovery} s"
            )


@dataclass
class Run:
    stack: FaultStack
    scenario: str
    burst: Burst
    expected: dict[str, Expected]
    issuing: asyncio.Task[None]
    began: float = field(default_factory=time.monotonic)
    struck_at_share: float | None = None
    struck: float | None = None
    cleared: float | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def begin(
        cls, stack: FaultStack, scenario: str, size: int, refused: frozenset[str] = frozenset()
    ) -> Run:
        """Issue the burst in the background (``notice issue``, one per 200 tasks)."""
        burst = stack.burst(scenario.split()[0], size)
        issuing = asyncio.create_task(stack.issue(burst))
        return cls(stack, scenario, burst, burst.expected(refused), issuing)

    async def issued(self) -> None:
        await self.issuing

    async def mid_burst(self) -> None:
        """Wait for the moment to strike: a quarter of the mail delivered."""
        self.struck_at_share = await wait_for_share(
            self.stack.relay, self.expected, STRIKE_AT, timeout=DELIVERY_WAIT
        )
        self.struck = time.monotonic()

    def clear(self) -> None:
        """The fault is over (the process is back, the server listens): recovery starts."""
        self.cleared = time.monotonic()

    async def delivered(self) -> float | None:
        """When the last expected mail first arrived; None if some never did."""
        await self.issuing
        return await wait_for_mail(self.stack.relay, self.expected, DELIVERY_WAIT)

    async def finish(self, *, recovery: float | None = None, measured: bool = True) -> Outcome:
        """Wait for the mail, check everything, and write the row. ``recovery`` overrides
        the mail's own (a scenario whose fault is not about mail measures its own);
        ``measured=False`` for a run with nothing to recover from."""
        last = await self.delivered()
        if recovery is None and last is not None:
            recovery = max(0.0, last - (self.cleared or self.began))
        tally = await tally_mail(self.stack, self.burst, self.expected)
        problems = await read_model_agrees(self.stack, self.burst.ids, AGREEMENT_WAIT)
        notes = [f"issue to last mail {last - self.began:.1f} s" if last else ""]
        if self.struck is not None:
            pause = longest_pause(self.stack.relay, self.expected, self.struck)
            notes.append(f"struck at {self.struck_at_share:.0%} delivered")
            notes.append(f"mail stopped {pause:.1f} s")
        row = Row(
            scenario=self.scenario,
            database=self.stack.backend,
            tasks=self.burst.size,
            expected=tally.expected,
            delivered=tally.delivered,
            duplicated=tally.duplicated,
            lost=len(tally.lost),
            recovery=recovery if last is not None else None,
            notes="; ".join(n for n in [*notes, *self.notes] if n),
            measured=measured,
        )
        ROWS.append(row)
        return Outcome(row, tally, problems, self.struck_at_share)

    def share(self) -> float:
        return arrived_share(self.stack.relay, self.expected)
