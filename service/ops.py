"""Operations endpoints: liveness, readiness and Prometheus metrics (no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from winnow.errors import StoreError
from winnow.moderation import Moderator
from winnow_service.deps import get_metrics, get_moderator
from winnow_service.metrics import Metrics
from winnow_service.schemas import Status

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Status)
async def healthz() -> Status:
    """The process is up and answering."""
    return Status(status="ok")


@router.get("/readyz", response_model=Status, responses={503: {"model": Status}})
def readyz(moderator: Moderator = Depends(get_moderator)) -> Response:
    """Ready when a model is loaded and the database answers (its schema made if needed)."""
    model, database, detail = moderator.live.version, "ok", None
    try:
        moderator.store.migrate()
    except StoreError as exc:
        database, detail = "unavailable", str(exc)
    if model is None:
        detail = moderator.live.error or "no model loaded"
    ready = model is not None and database == "ok"
    status = Status(
        status="ready" if ready else "not ready",
        model_version=model,
        database=database,
        detail=detail,
    )
    return JSONResponse(status.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
async def metrics(metrics: Metrics = Depends(get_metrics)) -> Response:
    """Prometheus text format."""
    body = await run_in_threadpool(metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
