"""Slow down whoever keeps presenting bad links or forms, so tokens cannot be guessed."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class FailureThrottle:
    """Per-address failures in a sliding window: free at first, then slower, then refused.

    Kept in memory: a restart forgets the count, which only gives a guesser a few free
    tries back; nothing a person is owed depends on it.
    """

    def __init__(
        self,
        *,
        free: int = 5,
        refuse_after: int = 30,
        window: float = 600.0,
        max_delay: float = 8.0,
    ) -> None:
        self._free = free
        self._refuse_after = refuse_after
        self._window = window
        self._max_delay = max_delay
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, address: str) -> deque[float]:
        stamps = self._failures[address]
        cutoff = time.monotonic() - self._window
        while stamps and stamps[0] < cutoff:
            stamps.popleft()
        return stamps

    def record(self, address: str) -> None:
        self._recent(address).append(time.monotonic())

    def refused(self, address: str) -> bool:
        return len(self._recent(address)) >= self._refuse_after

    def delay(self, address: str) -> float:
        """Seconds to hold the next answer to ``address``."""
        excess = len(self._recent(address)) - self._free
        return 0.0 if excess <= 0 else min(self._max_delay, 0.25 * 2 ** (excess - 1))
