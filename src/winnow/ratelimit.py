"""Rate limits: token buckets per client (an IP address, or an API key).

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens a second;
each request takes one. A client that keeps within the rate is never refused, a
burst is absorbed, and a flood is told how long to wait (``Retry-After``).
Buckets live in the process: with several service workers, each enforces its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

# Refills are sums of float time steps: a client exactly at the rate must not be
# refused for a rounding error.
EPSILON = 1e-9


class RateLimiter:
    """Token buckets for up to ``clients`` clients, least recently seen forgotten first.

    ``rate`` 0 switches the limit off. Forgetting a client only ever refills its
    bucket, so the bound on memory cannot refuse anyone who should pass.
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        clients: int = 65_536,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.clients = clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_for(self, client: str) -> float:
        """0 if ``client`` may go ahead now (a token is taken), else seconds to wait."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            tokens, seen = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            wait = 0.0 if tokens >= 1 - EPSILON else (1 - tokens) / self.rate
            self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
            if len(self._buckets) > self.clients:
                self._buckets.popitem(last=False)
            return wait


def retry_after(wait: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
