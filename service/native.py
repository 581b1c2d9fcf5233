"""The native JSON API: ``/v1/check``, ``/v1/check-batch``, ``/v1/feedback``, ``/v1/model``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from winnow.keys import site_matches
from winnow.moderation import CheckRequest, Comment, Judgement, Moderator, runs_inline
from winnow.settings import Settings
from winnow.store import KeyRecord
from winnow_service.deps import (
    BEARER_SECURITY,
    CheckContext,
    body_schema,
    check_context,
    check_one,
    get_metrics,
    get_moderator,
    get_settings,
    json_body,
    site_key,
)
from winnow_service.metrics import Metrics
from winnow_service.responses import FastJSONResponse
from winnow_service.schemas import (
    BatchIn,
    BatchOut,
    CheckOut,
    CommentIn,
    FeedbackIn,
    FeedbackOut,
    ModelOut,
    check_answer,
    problems,
)

router = APIRouter(prefix="/v1", tags=["native"])
API = "native"
# Every route may answer these; /v1/model takes no body and checks no site.
ERRORS = problems(400, 401, 403, 413, 422, 429, 503)


def _own_site(comments: list[CommentIn], key: KeyRecord) -> list[Comment]:
    """The comments, refused (403) if one names a site other than the key's."""
    for comment in comments:
        if comment.site and not site_matches(key, comment.site):
            raise HTTPException(403, f"site: {comment.site!r} is not this API key's site")
    return [c.comment() for c in comments]


async def judged(moderator: Moderator, comments: list[Comment], key: KeyRecord) -> list[Judgement]:
    """The judgements, made on the event loop when that is quick, else in a worker thread."""
    if runs_inline(comments):
        return moderator.check(comments, key, API)
    return await run_in_threadpool(moderator.check, comments, key, API)


@router.post(
    "/check",
    response_model=CheckOut,
    responses=ERRORS,
    openapi_extra={"requestBody": body_schema(CommentIn), "security": BEARER_SECURITY},
)
async def check(request: Request, context: CheckContext = Depends(check_context)) -> Response:
    """Judge one comment."""
    body = await json_body(request, CommentIn)
    asked = CheckRequest(_own_site([body], context.key)[0], context.key, API)
    judgement = await check_one(context.checks, asked)
    context.metrics.count_verdicts(API, [judgement.verdict])
    return FastJSONResponse(check_answer(judgement))


@router.post("/check-batch", response_model=BatchOut, responses=ERRORS)
async def check_batch(
    body: BatchIn,
    key: KeyRecord = Depends(site_key),
    moderator: Moderator = Depends(get_moderator),
    metrics: Metrics = Depends(get_metrics),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Judge up to ``WINNOW_MAX_BATCH`` comments with one model."""
    if len(body.comments) > settings.max_batch:
        raise HTTPException(
            422,
            f"comments: at most {settings.max_batch} comments per batch (got {len(body.comments)})",
        )
    judgements = await judged(moderator, _own_site(body.comments, key), key)
    metrics.count_verdicts(API, [j.verdict for j in judgements])
    return FastJSONResponse(
        {
            "results": [check_answer(j) for j in judgements],
            "model_version": judgements[0].model_version,
        }
    )


@router.post("/feedback", response_model=FeedbackOut, status_code=201, responses=ERRORS)
def feedback(
    body: FeedbackIn,
    key: KeyRecord = Depends(site_key),
    moderator: Moderator = Depends(get_moderator),
) -> FeedbackOut:
    """Store a moderator's decision; it trains the next model (`make retrain`)."""
    comment = _own_site([body], key)[0]
    stored = moderator.feedback(comment, body.label, key, API)
    return FeedbackOut(id=stored or 0, label=body.label)


@router.get("/model", response_model=ModelOut, responses=problems(401, 429, 503))
def model_info(
    key: KeyRecord = Depends(site_key), moderator: Moderator = Depends(get_moderator)
) -> ModelOut:
    """The model in service: version, when it was trained, thresholds and metrics."""
    model = moderator.model()
    thresholds = moderator.thresholds(model, key)
    return ModelOut(
        version=model.version,
        created_at=model.metadata.get("created_at"),
        spam_threshold=thresholds.spam,
        discard_threshold=thresholds.discard,
        metrics=model.metadata.get("metrics", {}),
        training_data=model.metadata.get("training_data", []),
    )
