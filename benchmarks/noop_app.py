"""A no-op FastAPI app: the ceiling that ``bench_service.py`` compares the service with.

One POST endpoint that ignores its body and answers ``false`` as plain text (what an
Akismet ``comment-check`` answers for ham). It is served exactly like ``winnow serve``
serves the real app: uvicorn, factory mode, same workers, access log off.

    .venv/bin/uvicorn noop_app:create_app --factory --app-dir benchmarks --no-access-log \
        --host 127.0.0.1 --port 8001 --workers 2
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

PATH = "/noop"


def create_app() -> FastAPI:
    """An app with a single ``POST /noop`` that does nothing."""
    app = FastAPI(title="noop")

    @app.post(PATH, response_class=PlainTextResponse)
    async def noop() -> PlainTextResponse:
        return PlainTextResponse("false")

    return app
