"""Dependencies the routes receive; tests replace them through ``app.dependency_overrides``.

They are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread,
which costs more than these lookups themselves. The single-check route takes one
dependency, :func:`check_context` (override that one for it): it calls the others
itself, since FastAPI's solving of each dependency costs more than the look-up, and
it reads its own body (:func:`json_body`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from winnow.batching import Coalescer
from winnow.errors import RateLimited
from winnow.moderation import CheckRequest, Judgement, Moderator, runs_inline
from winnow.settings import Settings
from winnow.store import KeyRecord
from winnow_service.metrics import Metrics

bearer = HTTPBearer(auto_error=False, description="A site API key from `winnow keys add`.")
CHALLENGE = {"WWW-Authenticate": "Bearer"}
# For a route that reads the bearer key itself: the key scheme its OpenAPI operation names.
BEARER_SECURITY = [{bearer.scheme_name: []}]
WRONG_CONTENT_TYPE = {
    "loc": ("body",),
    "msg": "the body must be JSON, sent with Content-Type: application/json",
    "type": "content_type",
}
Body = TypeVar("Body", bound=BaseModel)
UNREADABLE = "There was an error parsing the body"  # FastAPI's words, for the same case
NO_BODY = {"loc": ("body",), "msg": "Field required", "type": "missing"}


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


async def check_context(request: Request) -> CheckContext:
    """:func:`site_key` and the service's parts as one dependency with none of its own
    (the bearer key is read here): FastAPI's solving of each dependency costs more
    than these look-ups, on the service's busiest route."""
    moderator = await get_moderator(request)
    key = await site_key(request, await bearer(request), moderator)
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
    known, record = moderator.keys.remembered(key)
    if known:
        return record
    return await run_in_threadpool(moderator.keys.lookup, key)


async def json_body(request: Request, model: type[Body]) -> Body:
    """The request's JSON body as ``model``, validated by pydantic straight from the
    bytes; a body that is not a valid ``model`` is a 422 naming the field, as for the
    routes whose bodies FastAPI reads."""
    if not _is_json(request.headers.get("content-type")):
        raise RequestValidationError([WRONG_CONTENT_TYPE])
    try:
        body = await request.body()
    except ClientDisconnect:  # gone mid-body: nobody reads the answer, but it is no fault
        raise HTTPException(400, UNREADABLE) from None
    if not body:
        raise RequestValidationError([NO_BODY])
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            return _parsed_then_validated(body, model)
        raise _in_body(exc) from None


def _is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/...+json``: what FastAPI reads as JSON."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _parsed_then_validated(body: bytes, model: type[Body]) -> Body:
    """The slow way, for a body pydantic's parser refused: Python's ``json`` takes
    what it can (a lone surrogate escape, say), so the error names the field."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        error = {"loc": ("body", exc.pos), "msg": "JSON decode error", "type": "json_invalid"}
        raise RequestValidationError([error]) from None
    except (ValueError, RecursionError):  # not UTF-8, or nested past Python's limit
        raise HTTPException(400, UNREADABLE) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _in_body(exc) from None


def _in_body(error: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
    )


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads ``model`` with :func:`json_body`."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"content": {"application/json": {"schema": schema}}, "required": True}
