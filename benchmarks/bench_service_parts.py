"""Benchmark: where a single check's time goes, measured in process (no sockets).

``bench_service.py`` measures the server from outside; this script says what a worker
spends per request, route by route, by sending requests straight into the ASGI app of
``noop_app.py`` (the service plus ``POST /bench/noop``), ``--concurrency`` at a time,
so that the service's batcher judges them together as it does under load:

* each route's cost per request (median of ``--rounds`` rounds, the routes taking
  turns), and a check's cost over the no-op's: what a check adds to the HTTP stack
  both share. ``--judged-once`` remembers each comment's judgement after its first
  time (the checks' cost without the model); ``--check-log off`` drops the check log;
* ``judge_each`` alone on batches of ``--concurrency`` comments, in a tight loop and
  with 4 MB of other memory read between batches (as a server reads its requests),
  which shows how much of a judgement is the CPU caches going cold.

The routes are sent the bench's comments, as ``bench_service.py`` sends them.

    .venv/bin/python benchmarks/bench_service_parts.py [--requests 3000] [--rounds 5]
        [--concurrency 4] [--models-dir models] [--check-log metadata] [--judged-once]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np

import noop_app  # benchmarks/ is on sys.path when a script here runs
from bench_service import (
    HAM,
    SPAM,
    Target,
    create_key,
    noop_target,
    served_settings,
    targets,
)
from benchtools import describe
from winnow import moderation
from winnow.moderation import Thresholds, judge_each
from winnow.registry import LiveModel

CACHE_FLUSH_BYTES = 4 * 2**20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="per route and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument(
        "--check-log", choices=["off", "metadata", "full"], default="metadata", help="as served"
    )
    parser.add_argument(
        "--judged-once",
        action="store_true",
        help="remember each comment's judgement after its first: the checks without the model",
    )
    return parser.parse_args()


def scope(target: Target) -> dict[str, Any]:
    """The ASGI scope of a POST to ``target`` from a loopback client."""
    path = "/" + target.url.split("/", 3)[3]
    headers = [(k.lower().encode(), v.encode()) for k, v in target.headers.items()]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def request(app: Any, where: dict[str, Any], body: bytes) -> int:
    """One request through the app; its status."""
    messages = iter([{"type": "http.request", "body": body, "more_body": False}])
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(dict(where), receive, send)
    return status[0]


async def per_request(app: Any, target: Target, args: argparse.Namespace) -> float:
    """Microseconds per request of one round of ``--requests`` requests."""
    where, bodies = scope(target), [b.encode() for b in target.bodies]
    writer = app.state.moderator.log_writer
    start = time.perf_counter()
    for first in range(0, args.requests, args.concurrency):
        sent = [bodies[(first + k) % len(bodies)] for k in range(args.concurrency)]
        statuses = await asyncio.gather(*(request(app, where, body) for body in sent))
        if any(status != 200 for status in statuses):
            sys.exit(f"{target.label}: answered {statuses}")
    if writer is not None:
        writer.flush()  # this round's check records, charged to it and not to the next
    return (time.perf_counter() - start) / args.requests * 1e6


@contextmanager
def judged_once() -> Iterator[None]:
    """Each comment judged by the model the first time only, then remembered: checks
    without the model's cost (everything else, the check log included, still runs)."""
    real, seen = moderation.judge_each, {}

    def remembered(
        model: Any, texts: Any, thresholds: Any, explain_ham: Any, *rest: Any, names: Any = None
    ) -> list:
        """(The checks' names are not given: a remembered answer has none.)"""
        asked = list(zip(texts, thresholds, explain_ham, strict=True))
        for item in asked:
            if item not in seen:
                seen[item] = real(model, [item[0]], [item[1]], [item[2]], *rest)[0]
        return [seen[item] for item in asked]

    moderation.judge_each = remembered
    try:
        yield
    finally:
        moderation.judge_each = real


async def measure_routes(routes: list[Target], args: argparse.Namespace) -> dict[str, float]:
    """Median microseconds per request of each route, on a freshly started app; each
    round sends every route ``--requests`` requests."""
    app = noop_app.create_app()
    rounds: dict[str, list[float]] = {t.label: [] for t in routes}
    async with app.router.lifespan_context(app):
        for _ in range(args.rounds):  # the routes take turns: the machine's drift hits all
            for target in routes:
                rounds[target.label].append(await per_request(app, target, args))
    return {label: statistics.median(figures) for label, figures in rounds.items()}


def judge_loop(args: argparse.Namespace, flush: bool) -> float:
    """Median microseconds per comment of ``judge_each`` on batches of
    ``--concurrency`` bench comments; with ``flush``, 4 MB read between batches."""
    live = LiveModel(args.models_dir)
    live.refresh()
    texts = [text for pair in zip(SPAM, HAM, strict=True) for text in pair]
    size, other = args.concurrency, np.ones(CACHE_FLUSH_BYTES // 8)
    batches = [[texts[(b + k) % len(texts)] for k in range(size)] for b in range(len(texts))]
    thresholds = [Thresholds(0.5, 0.9)] * size
    rounds = []
    for _ in range(args.rounds):
        spent = 0.0
        for n in range(args.requests // size):
            if flush:
                other.sum()
            start = time.perf_counter()
            judge_each(live.model, batches[n % len(batches)], thresholds, [False] * size)
            spent += time.perf_counter() - start
        rounds.append(spent / (args.requests // size * size) * 1e6)
    return statistics.median(rounds)


def show(title: str, costs: dict[str, float]) -> None:
    noop = next(cost for label, cost in costs.items() if label.endswith("(no-op)"))
    print(f"\n{title}")
    print("| route | µs per request | over the no-op |")
    print("|---|---:|---:|")
    for label, cost in costs.items():
        print(f"| `{label}` | {cost:.0f} | {cost - noop:+.0f} |")


def run(coroutine: Any) -> Any:
    """On uvloop when it is installed, as uvicorn serves the app."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main() -> None:
    args = parse_args()
    # The service logs a line per request, as served: formatted, then dropped here.
    logging.basicConfig(filename=os.devnull, level=logging.INFO)
    print(f"host: {describe()}")
    print(
        f"{args.requests} requests per route and round, {args.concurrency} in flight, "
        f"medians of {args.rounds} rounds"
    )
    with tempfile.TemporaryDirectory(prefix="winnow-parts-") as tmp:
        served = served_settings(args.models_dir, Path(tmp), args.check_log)
        with patch.dict(os.environ, served), judged_once() if args.judged_once else nullcontext():
            key = create_key(dict(os.environ))
            routes = [*targets("http://127.0.0.1", key), noop_target("http://127.0.0.1", key)]
            costs = run(measure_routes(routes, args))
    judged = "each comment judged once, then remembered" if args.judged_once else "as served"
    show(f"Routes, {judged}; check log {args.check_log}", costs)
    gc.collect()
    warm, cold = judge_loop(args, flush=False), judge_loop(args, flush=True)
    print(
        f"\njudge_each, batches of {args.concurrency} (µs per comment): tight loop {warm:.0f}, "
        f"with {CACHE_FLUSH_BYTES >> 20} MB read between batches {cold:.0f} ({cold / warm:.2f}x)"
    )


if __name__ == "__main__":
    main()
