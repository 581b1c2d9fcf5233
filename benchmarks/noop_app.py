"""The winnow service with one extra, trivial route: the ceiling ``bench_service.py``
compares the checks with.

``create_app()`` is the real app of ``winnow serve`` (same settings, lifespan,
middleware: body limit, metrics and access log, error handlers) plus
``POST /bench/noop``, which reads nothing and answers ``false`` as plain text
(what an Akismet ``comment-check`` answers for ham). The benchmark serves it the
way ``winnow serve`` serves the app (uvicorn, factory mode, same workers and
options), so the checks and the no-op are measured on the very same server and
the difference is the work of a check itself.

    WINNOW_MODELS_DIR=models .venv/bin/uvicorn noop_app:create_app --factory \
        --app-dir benchmarks --no-access-log --host 127.0.0.1 --port 8001 --workers 2
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from winnow_service.app import create_app as create_service

PATH = "/bench/noop"


async def noop() -> PlainTextResponse:
    """Nothing: no body read, no key, no model."""
    return PlainTextResponse("false")


def create_app() -> FastAPI:
    """The service's app with ``POST /bench/noop`` added."""
    app = create_service()
    app.add_api_route(PATH, noop, methods=["POST"], include_in_schema=False)
    return app
