"""The app factory: ``winnow serve`` and ``make serve`` run it with uvicorn.

    uvicorn --factory winnow_service.app:create_app

Settings come from ``WINNOW_*`` variables or ``.env`` (see :class:`winnow.settings.Settings`).
The model is loaded in the lifespan, not at import; a background task swaps in a
newly promoted model (``make retrain``) without a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from winnow import __version__
from winnow.errors import ModelError, RateLimited, StoreError
from winnow.moderation import Moderator, check_coalescer
from winnow.ratelimit import RateLimiter, retry_after
from winnow.registry import LiveModel
from winnow.settings import Settings
from winnow.store import CheckLogWriter, open_store
from winnow_service import admin, akismet_api, native, ops
from winnow_service.metrics import Metrics
from winnow_service.middleware import BodyLimit, FailSafe, Instrument, IpRateLimit
from winnow_service.reloads import model_swapped, settle_heap

log = logging.getLogger("winnow.service")

DESCRIPTION = """Self-hosted comment-spam checks for news sites.

* **Native JSON API** under `/v1`: send `Authorization: Bearer <key>` (keys from `winnow keys add`).
* **Akismet-compatible API** under `/1.1` and `/1.2`: point an Akismet client at this host.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured app; nothing is loaded until the server starts it (lifespan)."""
    settings = settings or Settings()
    app = FastAPI(title="winnow", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.key_limiter = limiter(settings.key_rate_limit)
    app.include_router(ops.router)
    app.include_router(native.router)
    app.include_router(akismet_api.router)
    app.include_router(admin.router)
    _install_error_handlers(app)
    app.add_middleware(FailSafe)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(IpRateLimit, limiter=limiter(settings.ip_rate_limit))
    app.add_middleware(Instrument, metrics=app.state.metrics)
    return app


def limiter(rate: float) -> RateLimiter:
    """A limit of ``rate`` requests a second that absorbs bursts of two seconds' worth."""
    return RateLimiter(rate, burst=2 * rate)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    moderator = await asyncio.to_thread(_moderator, settings)
    if settings.freeze_heap:
        await asyncio.to_thread(settle_heap)
    app.state.moderator = moderator
    app.state.checks = check_coalescer(moderator)
    app.state.metrics.set_model(moderator.live.version)
    watcher = asyncio.create_task(_watch_models(moderator.live, settings.reload_interval, app))
    if moderator.log_writer:
        moderator.log_writer.start()
    try:
        yield
    finally:
        watcher.cancel()
        with suppress(asyncio.CancelledError):
            await watcher
        if moderator.log_writer:
            await asyncio.to_thread(moderator.log_writer.stop)
        moderator.store.close()


def _moderator(settings: Settings) -> Moderator:
    live = LiveModel(settings.models_dir)
    live.refresh()
    if live.model is None:
        log.error("no model in service: %s", live.error)
    store = open_store(settings.database_url, migrate=False)
    try:
        store.migrate()
    except StoreError as exc:
        log.error("database not ready (checks still answered): %s", exc)
    writer = CheckLogWriter(store) if settings.check_log != "off" else None
    return Moderator(
        live, store, writer, settings.check_log, settings.spam_threshold, settings.discard_threshold
    )


async def _watch_models(live: LiveModel, interval: float, app: FastAPI) -> None:
    """Swap in a newly promoted model; loading runs off the event loop."""
    while True:
        await asyncio.sleep(interval)
        if await asyncio.to_thread(live.refresh):
            await asyncio.to_thread(model_swapped, app)


def _install_error_handlers(app: FastAPI) -> None:
    """Library errors become short 4xx/503 answers; nothing leaks a trace or a path."""

    @app.exception_handler(ModelError)
    async def no_model(request: Request, exc: ModelError) -> Response:
        return JSONResponse({"detail": akismet_api.NO_MODEL}, 503)

    @app.exception_handler(StoreError)
    async def no_store(request: Request, exc: StoreError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(RateLimited)
    async def too_many(request: Request, exc: RateLimited) -> Response:
        headers = {"Retry-After": retry_after(exc.wait)}
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)
