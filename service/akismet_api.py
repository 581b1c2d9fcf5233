"""The Akismet-compatible API: ``/1.1/...`` and ``/1.2/...``, form bodies, plain-text answers.

A site moves from Akismet to winnow by changing the host its plugin talks to.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from winnow import akismet
from winnow.akismet import AkismetRequestError
from winnow.errors import ModelError, RateLimited, StoreError
from winnow.keys import site_matches
from winnow.moderation import CheckRequest, Judgement, Moderator
from winnow.ratelimit import retry_after
from winnow.store import KeyRecord, utc_now
from winnow_service.deps import admit_key, check_one, key_record
from winnow_service.metrics import Metrics

router = APIRouter(tags=["akismet"])
API = "akismet"
DEBUG = "X-akismet-debug-help"
Endpoint = Callable[[Request], Awaitable[Response]]
BAD_KEY = "Invalid API key or site: check the key and the 'blog' URL it was issued for."


def text(body: str, status: int = 200, **headers: str) -> PlainTextResponse:
    return PlainTextResponse(body, status_code=status, headers=headers or None)


def refused(error: AkismetRequestError) -> PlainTextResponse:
    return text(error.body, **{DEBUG: header_safe(error.help)})


def header_safe(value: str) -> str:
    """``value`` as a header may carry it: printable ASCII kept, anything else escaped.

    A help text can quote what the client sent (a ``blog_charset``), and a header
    holds only latin-1 and no line breaks.
    """
    return "".join(c if " " <= c <= "~" else ascii(c)[1:-1] for c in value)


NO_MODEL = "no model available: the service cannot score"


def unavailable(error: Exception) -> PlainTextResponse:
    """Akismet's error form: the plugin holds the comment instead of deciding.

    A model error names files on the server, so the client gets a fixed reason;
    store errors are short and path-free by contract.
    """
    reason = NO_MODEL if isinstance(error, ModelError) else str(error)
    return text(f"Service unavailable: {reason}", 503, **{"X-akismet-error": header_safe(reason)})


def throttled(error: RateLimited) -> PlainTextResponse:
    """Over the key's rate: Akismet's error header, so the plugin holds and retries."""
    reason = str(error)
    return text(reason, 429, **{"X-akismet-error": reason, "Retry-After": retry_after(error.wait)})


def akismet_errors(endpoint: Endpoint) -> Endpoint:
    """Answer refused requests and unavailable model/store the way Akismet does."""

    @functools.wraps(endpoint)
    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request)
        except AkismetRequestError as exc:
            return refused(exc)
        except (ModelError, StoreError) as exc:
            return unavailable(exc)
        except RateLimited as exc:
            return throttled(exc)

    return answered


async def form(request: Request) -> dict[str, str]:
    """The request's fields; the query string is taken raw from the ASGI scope (building
    ``request.url`` costs more than parsing the form)."""
    query = request.scope.get("query_string", b"")
    return akismet.parse_form(await request.body(), query, request.headers.get("content-type"))


async def authorised(request: Request, fields: dict[str, str]) -> KeyRecord:
    """The key record for this request: key valid, bound to the request's ``blog``,
    and within its rate limit."""
    moderator: Moderator = request.app.state.moderator
    record = await key_record(moderator, akismet.key_of(fields, request.headers.get("host")))
    if record is None:
        raise AkismetRequestError(akismet.INVALID, BAD_KEY)
    akismet.require(fields)
    if not site_matches(record, fields["blog"]):
        raise AkismetRequestError(akismet.INVALID, BAD_KEY)
    return admit_key(request, record)


@akismet_errors
async def verify_key(request: Request) -> Response:
    fields = await form(request)
    moderator: Moderator = request.app.state.moderator
    record = await key_record(moderator, akismet.key_of(fields, request.headers.get("host")))
    if record is None or not site_matches(record, fields.get("blog")):
        return text(akismet.INVALID, **{DEBUG: BAD_KEY})
    return text(akismet.VALID)


@akismet_errors
async def comment_check(request: Request) -> Response:
    fields = await form(request)
    record = await authorised(request, fields)
    asked = CheckRequest(
        akismet.comment_of(fields),
        record,
        API,
        akismet.is_test(fields),
        akismet.test_verdict(fields),
        explain_ham=False,  # reasons only for flagged comments (X-winnow-reasons)
    )
    judgement = await check_one(request.app.state.checks, asked)
    metrics: Metrics = request.app.state.metrics
    metrics.count_verdicts(API, [judgement.verdict])
    return text(akismet.TRUE if judgement.is_spam else akismet.FALSE, **_check_headers(judgement))


def _check_headers(judgement: Judgement) -> dict[str, str]:
    headers = {"X-akismet-guid": judgement.guid}
    if judgement.verdict == "discard":
        headers["X-akismet-pro-tip"] = "discard"
    if judgement.is_spam:
        headers["X-winnow-reasons"] = reasons_header(judgement.reasons)
    return headers


def reasons_header(reasons: list[dict[str, Any]]) -> str:
    """The reasons as ASCII JSON: header-safe whatever the comment's script or newlines
    (orjson where its output is ASCII already, as most reasons are; it is the faster)."""
    with suppress(orjson.JSONEncodeError):  # a lone surrogate, which json escapes
        quick = orjson.dumps(reasons)
        if quick.isascii():
            return quick.decode("ascii")
    return json.dumps(reasons, ensure_ascii=True, separators=(",", ":"))


async def _submit(request: Request, label: str) -> Response:
    moderator: Moderator = request.app.state.moderator
    fields = await form(request)
    record = await authorised(request, fields)
    comment = akismet.comment_of(fields)
    await run_in_threadpool(
        moderator.feedback, comment, label, record, API, akismet.is_test(fields)
    )
    return text(akismet.THANKS)


@akismet_errors
async def submit_spam(request: Request) -> Response:
    return await _submit(request, "spam")


@akismet_errors
async def submit_ham(request: Request) -> Response:
    return await _submit(request, "ham")


@akismet_errors
async def usage_limit(request: Request) -> Response:
    """Self-hosted winnow has no quota: the limit is ``none`` and nothing is throttled."""
    moderator: Moderator = request.app.state.moderator
    fields = await form(request)
    record = await key_record(moderator, akismet.key_of(fields, request.headers.get("host")))
    if record is None:
        return text(akismet.INVALID, **{DEBUG: BAD_KEY})
    usage = await run_in_threadpool(moderator.store.count_checks, record.id, _month_start())
    return JSONResponse({"limit": "none", "usage": usage, "percentage": "0.00", "throttled": False})


def _month_start() -> str:
    return utc_now()[:8] + "01T00:00:00"


# The routes parse their forms themselves (:func:`form`); these describe them in OpenAPI.
FORM_FIELDS = (
    *akismet.KEY_FIELDS,
    "blog",
    "user_ip",
    "user_agent",
    "referrer",
    "permalink",
    "comment_type",
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "comment_content",
    "blog_lang",
    "blog_charset",
    "user_role",
    "is_test",
)
STRING = {"type": "string"}


def form_body(*required: str) -> dict[str, Any]:
    """OpenAPI for an Akismet form body (``openapi_extra`` of a route)."""
    schema = {
        "type": "object",
        "properties": dict.fromkeys(FORM_FIELDS, STRING),
        "required": list(required),
    }
    content = {"application/x-www-form-urlencoded": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


def plain(description: str, *headers: str) -> dict[str, Any]:
    """An OpenAPI response in Akismet's plain-text form, with the headers it may carry."""
    return {
        "description": description,
        "content": {"text/plain": {"schema": STRING}},
        "headers": {name: {"schema": STRING} for name in headers},
    }


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: plain(
        "Akismet's answer: true, false, valid, invalid, or thanks for a submission.",
        DEBUG,
        "X-akismet-guid",
        "X-akismet-pro-tip",
        "X-winnow-reasons",
    ),
    413: plain("Request body over WINNOW_MAX_BODY_BYTES.", DEBUG),
    429: plain("Over the key's or the address's rate limit.", "X-akismet-error", "Retry-After"),
    503: plain("No model loaded, or the database unavailable.", "X-akismet-error"),
}
USAGE = {
    "type": "object",
    "properties": {
        "limit": STRING,
        "usage": {"type": "integer"},
        "percentage": STRING,
        "throttled": {"type": "boolean"},
    },
}
USAGE_ANSWERS = ANSWERS | {
    200: plain("The month's usage; 'invalid' for a bad key.", DEBUG)
    | {"content": {"application/json": {"schema": USAGE}, "text/plain": {"schema": STRING}}}
}
REQUIRED = {"verify-key": ("blog",)}

ENDPOINTS = {
    "verify-key": verify_key,
    "comment-check": comment_check,
    "submit-spam": submit_spam,
    "submit-ham": submit_ham,
}
for version in ("1.1", "1.2"):
    for name, endpoint in ENDPOINTS.items():
        router.add_api_route(
            f"/{version}/{name}",
            endpoint,
            methods=["POST"],
            response_class=PlainTextResponse,
            responses=ANSWERS,
            openapi_extra=form_body(*REQUIRED.get(name, akismet.REQUIRED_FOR_COMMENTS)),
        )
router.add_api_route(
    "/1.2/usage-limit",
    usage_limit,
    methods=["GET"],
    responses=USAGE_ANSWERS,
    openapi_extra={"parameters": [{"name": "api_key", "in": "query", "schema": STRING}]},
)
router.add_api_route(
    "/1.2/usage-limit",
    usage_limit,
    methods=["POST"],
    operation_id="usage_limit_post",
    responses=USAGE_ANSWERS,
    openapi_extra=form_body(),
)
