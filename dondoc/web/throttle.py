"""Slow down whoever keeps failing, without locking out the people who share its address.

An address is a poor name for a person: an agency's whole building behind one NAT, or a
proxy that sends no ``X-Forwarded-For``, is one address. A limit counted per address only
lets one guesser there lock everyone else out. So each count is kept under the narrowest
key that names who failed, and a refusal under one key never stops a request that does
not carry that key. The keys:

Agency links (``/t/…``; ``FailureThrottle`` at ``app.state.throttle``)

- ``address:A`` — tokens that are not ours: forged, altered, cut short (their signature
  does not verify). The signature is checked first, without the database, so a genuine
  link is never held back by a guesser's count at the same address: only the bad tokens
  from that address are slowed, then refused (a refusal is held as long as the longest
  delay, so a refused guesser gets his answers no faster). A signature cannot be guessed
  anyway; this keeps a guesser slow and out of the database. An IPv6 address counts by
  its /64, the prefix one subscriber gets.
- ``link:H`` (H a digest of the token) — a genuine link that is refused (expired, revoked,
  its task gone, its recipient no longer on the task), and bad form tokens posted on a
  genuine link. A burst against one link slows and then refuses that link only; the other
  links opened from the same address are not touched.

Console sign-in (``LoginThrottle`` at ``app.state.login_throttle``)

- ``account:U`` — failed sign-ins on a username, from anywhere: after a few, each further
  try on it waits longer, and tries on one username wait their turn, so guessing one
  password is slow however many connections and addresses are used. Never refused
  outright: anyone could then lock any officer out.
- ``account:U|address:A`` — refused after a number of failures: one address hammering one
  account is stopped, while that account from elsewhere and the other accounts from that
  address go on. Nothing is counted per address alone: the officers behind one NAT keep
  signing in while one of them (or a guesser among them) keeps failing.

API tokens (``RateLimit`` at ``app.state.api_rate``)

- ``token:NAME`` — every request a valid token makes, at most ``DONDOC_API_RATE_LIMIT`` a
  minute; beyond it 429 with ``Retry-After``. A token that is not valid is refused with
  401 before this and not counted: tokens are 256 random bits, and checking one is a
  single indexed read.

All of it is kept in memory, per web process: a restart forgets the counts (which gives
a guesser a few free tries back; nothing a person is owed depends on them), and with
several web processes each counts on its own, so the limits multiply by their number.
The number of keys is bounded, the least recently used forgotten first, so a flood of
new addresses or tokens cannot grow the memory. The windows are hand-written (a deque of
time stamps per key): small, and no dependency for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

MAX_KEYS = 100_000
"""Keys kept per throttle; beyond it the least recently used is forgotten."""


def address_key(address: str) -> str:
    """``address:A``; an IPv6 address by its /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"address:{address[:64]}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"address:{ip.ipv4_mapped}"
        return f"address:{ipaddress.ip_network((ip, 64), strict=False)}"
    return f"address:{ip}"


def link_key(token: str) -> str:
    """``link:H``: the token itself never kept (it is a credential)."""
    return "link:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]


def account_key(username: str) -> str:
    return f"account:{username[:64]}"


def account_at_address_key(username: str, address: str) -> str:
    return f"{account_key(username)}|{address_key(address)}"


class SlidingWindows:
    """Time stamps per key within the last ``window`` seconds; at most ``cap`` per key
    (no count is ever needed beyond it) and ``keys`` keys."""

    def __init__(self, window: float, cap: int, keys: int = MAX_KEYS) -> None:
        self.window = window
        self._cap = max(1, cap)
        self._keys = keys
        self._stamps: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        stamps = self._stamps.get(key)
        if stamps is None:
            return None
        cutoff = now - self.window
        while stamps and stamps[0] <= cutoff:
            stamps.popleft()
        if not stamps:
            del self._stamps[key]
            return None
        return stamps

    def count(self, key: str) -> int:
        stamps = self._recent(key, time.monotonic())
        return 0 if stamps is None else len(stamps)

    def add(self, key: str) -> None:
        now = time.monotonic()
        stamps = self._recent(key, now)
        if stamps is None:
            stamps = self._stamps[key] = deque(maxlen=self._cap)
            while len(self._stamps) > self._keys:
                self._stamps.popitem(last=False)
        self._stamps.move_to_end(key)
        stamps.append(now)

    def wait(self, key: str) -> float:
        """Seconds until the oldest stamp of a full key leaves the window; 0 if not full."""
        now = time.monotonic()
        stamps = self._recent(key, now)
        if stamps is None or len(stamps) < self._cap:
            return 0.0
        return max(0.0, stamps[0] + self.window - now)

    def forget(self, key: str) -> None:
        self._stamps.pop(key, None)


class FailureThrottle:
    """Failures per key in a sliding window: free at first, then slower, then refused."""

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
        self.max_delay = max_delay
        self._failures = SlidingWindows(window, refuse_after)

    def record(self, key: str) -> None:
        self._failures.add(key)

    def refused(self, key: str) -> bool:
        return self._failures.count(key) >= self._refuse_after

    def delay(self, key: str) -> float:
        """Seconds to hold the next failing answer under ``key``."""
        excess = self._failures.count(key) - self._free
        return 0.0 if excess <= 0 else min(self.max_delay, 0.25 * 2 ** (excess - 1))


class _KeyedLocks:
    """One asyncio lock per key while anyone holds or waits for it; then forgotten."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class LoginThrottle:
    """Failed sign-ins per account (delay, one try at a time) and per account at one
    address (refusal); see the module's docstring for why nothing counts per address."""

    def __init__(
        self,
        *,
        free: int = 3,
        window: float = 900.0,
        max_delay: float = 8.0,
        refuse_after: int = 20,
    ) -> None:
        self.free, self.window, self.max_delay, self.refuse_after = (
            free,
            window,
            max_delay,
            refuse_after,
        )
        self._failures = SlidingWindows(window, max(refuse_after, free + 8))
        self._locks = _KeyedLocks()

    def record(self, *keys: str) -> None:
        for key in keys:
            self._failures.add(key)

    def forget(self, *keys: str) -> None:
        for key in keys:
            self._failures.forget(key)

    def refused(self, key: str) -> bool:
        return self._failures.count(key) >= self.refuse_after

    def delay(self, *keys: str) -> float:
        excess = max(self._failures.count(k) for k in keys) - self.free
        return 0.0 if excess <= 0 else min(self.max_delay, 0.5 * 2 ** (excess - 1))

    def turn(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait for the other tries on ``key`` to finish first (``async with``)."""
        return self._locks.hold(key)


class RateLimit:
    """At most ``limit`` events per key in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self._events = SlidingWindows(window, limit)

    def take(self, key: str) -> int | None:
        """Count one event under ``key``; None if allowed, else whole seconds to wait."""
        wait = self._events.wait(key)
        if wait > 0:
            return max(1, math.ceil(wait))
        self._events.add(key)
        return None
