"""Dependencies the routes receive; tests replace them through ``app.dependency_overrides``.

They are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread,
which costs more than these lookups themselves. The single-check route takes one
dependency, :func:`check_context` (override that one for it): it calls the others
itself, since FastAPI's solving of each dependency costs more than the look-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from winnow.batching import Coalescer
from winnow.errors import RateLimited
from winnow.moderation import CheckRequest, Judgement, Moderator, runs_inline
from winnow.settings import Settings
from winnow.store import KeyRecord
from winnow_service.metrics import Metrics

bearer = HTTPBearer(auto_error=False, description="A site API key from `winnow keys add`.")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_moderator(request: Request) -> Moderator:
    return request.app.state.moderator


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


async def check_one(checks: Coalescer[CheckRequest, Judgement], asked: CheckRequest) -> Judgement:
    """One comment's judgement: in one batch with the other quick checks of this turn
    of the event loop, or alone in a worker thread when the comment is long."""
    if runs_inline([asked.comment]):
        return await checks.submit(asked)
    return (await run_in_threadpool(checks.batch, [asked]))[0]


def admit_key(request: Request, record: KeyRecord) -> KeyRecord:
    """The key itself, unless it is over its rate limit (then :class:`RateLimited`, 429)."""
    wait = request.app.state.key_limiter.wait_for(str(record.id))
    if wait > 0:
        raise RateLimited(wait)
    return record


async def site_key(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    moderator: Moderator = Depends(get_moderator),
) -> KeyRecord:
    """The record of the ``Authorization: Bearer`` site key; 401 when missing or not valid,
    403 for an admin key, 429 when over its rate limit."""
    record = await bearer_record(credentials, moderator)
    if record.is_admin:
        raise HTTPException(403, "an admin key cannot check or report comments: use a site key")
    return admit_key(request, record)


@dataclass(frozen=True)
class CheckContext:
    """What the single-check route uses: the caller's site key and the service's parts."""

    key: KeyRecord
    moderator: Moderator
    checks: Coalescer[CheckRequest, Judgement]
    metrics: Metrics


async def check_context(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> CheckContext:
    """:func:`site_key` and the service's parts as one dependency: FastAPI's solving of
    each dependency costs more than these look-ups, on the service's busiest route."""
    moderator = await get_moderator(request)
    key = await site_key(request, credentials, moderator)
    state = request.app.state
    return CheckContext(key, moderator, state.checks, state.metrics)


async def admin_key(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    moderator: Moderator = Depends(get_moderator),
) -> KeyRecord:
    """The record of an admin key (``winnow keys add --admin``); 403 for a site key."""
    record = await bearer_record(credentials, moderator)
    if not record.is_admin:
        raise HTTPException(403, "this operation needs an admin key; a site key cannot use it")
    return admit_key(request, record)


async def bearer_record(
    credentials: HTTPAuthorizationCredentials | None, moderator: Moderator
) -> KeyRecord:
    """The active record of the presented bearer key, or 401."""
    if credentials is None:
        raise HTTPException(
            401, "missing API key: send 'Authorization: Bearer <key>'", headers=CHALLENGE
        )
    record = await key_record(moderator, credentials.credentials)
    if record is None:
        raise HTTPException(401, "invalid or revoked API key", headers=CHALLENGE)
    return record


async def key_record(moderator: Moderator, key: str | None) -> KeyRecord | None:
    """The key's record: from the cache on the event loop, from the store in a thread."""
    if moderator.keys.fresh(key):
        return moderator.keys.lookup(key)
    return await run_in_threadpool(moderator.keys.lookup, key)
