"""ASGI middleware: request-body limit, metrics and a safe access log."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from winnow.ratelimit import RateLimiter, retry_after
from winnow_service.metrics import Metrics

log = logging.getLogger("winnow.access")

Scope = dict[str, Any]


AKISMET_PREFIXES = ("/1.1/", "/1.2/")
UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics")


def refusal(scope: Scope, status: int, reason: str, headers: list[Any]) -> tuple[bytes, list[Any]]:
    """A refusal's body and headers: Akismet's plain-text form on its paths, JSON elsewhere.

    On Akismet paths ``X-akismet-error`` makes plugins hold the comment and retry
    instead of publishing it unchecked.
    """
    if scope["path"].startswith(AKISMET_PREFIXES):
        body, kind = b"invalid", b"text/plain; charset=utf-8"
        extra = [(b"x-akismet-debug-help", reason.encode())]
        if status >= 429:
            body, extra = reason.encode(), [(b"x-akismet-error", reason.encode())]
    else:
        body, kind, extra = json.dumps({"detail": reason}).encode(), b"application/json", []
    length = str(len(body)).encode()
    return body, [(b"content-type", kind), (b"content-length", length), *extra, *headers]


async def send_refusal(
    scope: Scope, send: Any, status: int, reason: str, headers: list[Any] | None = None
) -> None:
    body, all_headers = refusal(scope, status, reason, headers or [])
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})


INTERNAL_ERROR = "internal error: the request could not be answered; retry later"


class FailSafe:
    """Answer an unexpected error with 503 and a fixed reason, never a trace.

    On Akismet paths the answer carries ``X-akismet-error``, so a plugin holds the
    comment for moderation instead of publishing or deleting it. The traceback goes
    to the service log (it holds no request body or key).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("internal error on %s %s", scope["method"], ascii(scope["path"][:200]))
            if started:
                raise
            await send_refusal(scope, send, 503, INTERNAL_ERROR)


class IpRateLimit:
    """Refuse a client address over its rate with 429 and ``Retry-After``.

    Health, readiness and metrics are exempt, so probes never fail for a flood.
    Behind a proxy, run uvicorn with ``--proxy-headers`` so the address is the
    client's, not the proxy's.
    """

    def __init__(self, app: Any, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.limiter.wait_for(client)
        if wait > 0:
            reason = f"rate limit exceeded for this address: retry in {retry_after(wait)} s"
            headers = [(b"retry-after", retry_after(wait).encode())]
            return await send_refusal(scope, send, 429, reason, headers)
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before any route reads them.

    A declared Content-Length is checked at once; a chunked body is read here up
    to the limit and replayed to the app, so no route ever holds more than that.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:
                return await self._refuse(scope, send)
            return await self.app(scope, receive, send)
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                return await self._refuse(scope, send)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        replay = iter(messages)

        async def replayed() -> dict[str, Any]:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)

    async def _refuse(self, scope: Scope, send: Any) -> None:
        reason = f"request body too large: at most {self.limit} bytes"
        await send_refusal(scope, send, 413, reason)


class Instrument:
    """Count and time every request by route template, and log one safe line for it.

    The log line holds the method, the route template (or the escaped path when no
    route matched), the status and the time: never the query string, headers or
    body, so keys and comment text cannot reach the log.
    """

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def record_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            self._record(scope, status, time.perf_counter() - start)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        self.metrics.requests.labels(scope["method"], route, str(status)).inc()
        self.metrics.latency.labels(route).observe(seconds)
        shown = route if route != "unmatched" else ascii(scope["path"][:200])
        log.info("%s %s %d %.1fms", scope["method"], shown, status, seconds * 1000)
