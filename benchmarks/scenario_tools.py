"""Shared by the scenario scripts (``make scenarios``): a real ``winnow serve`` on
loopback, its uvicorn worker processes and what they hold open, a client that
records every answer, and the final ``VERDICT`` line.

The server is started the way ``bench_service.py`` starts its own (same readiness
wait and graceful stop), but with the ``winnow serve`` command itself.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import httpx

from bench_service import BIN, HAM, ROOT, SITE, SPAM, answers, create_key, free_port, serving
from bench_service import worker_cpu as _worker_cpu
from benchtools import describe, tree_rss

__all__ = ["HAM", "SITE", "SPAM", "describe"]

MODELS = ROOT / "models"


@dataclass
class Service:
    """A running ``winnow serve``: its supervisor pid, base URL and a site key."""

    pid: int
    url: str
    key: str
    log: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def service_env(database_url: str, models_dir: Path = MODELS, **settings: str) -> dict[str, str]:
    """The environment of a scenario's server: rate limits off (one loopback client
    sends everything), plus any ``WINNOW_*`` settings given as ``name=value``."""
    env = {
        **os.environ,
        "WINNOW_MODELS_DIR": str(models_dir.resolve()),
        "WINNOW_DATABASE_URL": database_url,
        "WINNOW_IP_RATE_LIMIT": "0",
        "WINNOW_KEY_RATE_LIMIT": "0",
    }
    env.update({f"WINNOW_{name.upper()}": value for name, value in settings.items()})
    return env


@contextmanager
def running(env: dict[str, str], tmp: Path, workers: int = 2) -> Iterator[Service]:
    """``winnow serve --workers N`` on a free loopback port until the block ends
    (then SIGINT, uvicorn's graceful stop); a site key is made first."""
    if not (Path(env["WINNOW_MODELS_DIR"]) / "current").is_file():
        sys.exit("no promoted model: run `make train` first")
    key = create_key(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(BIN / "winnow"), "serve", "--port", str(port), "--workers", str(workers)]
    log = tmp / "server.log"
    with serving(command, env, log, answers(f"{url}/readyz")) as pid:
        wait_for_workers(pid, workers, timeout=30)
        yield Service(pid, url, key, log)


def worker_pids(server: int) -> list[int]:
    """The uvicorn worker processes (spawned children) of the supervisor ``server``."""
    return sorted(_worker_cpu(server))


def wait_for_workers(server: int, count: int, timeout: float) -> list[int]:
    """The worker pids once there are ``count`` of them; [] if not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = worker_pids(server)
        if len(pids) == count:
            return pids
        time.sleep(0.1)
    return []


def rss_mib(pid: int) -> float:
    """Resident memory of one process, MiB."""
    return tree_rss(pid) / 2**20


def open_files(pid: int) -> list[str]:
    """What each open file descriptor of ``pid`` points at (``/proc/PID/fd``)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.append(os.readlink(fd))
        except OSError:
            continue
    return found


def sample_text(n: int) -> str:
    """A distinct comment (spam and ham alternate), so each feedback can be found again."""
    base = (SPAM + HAM)[n % (len(SPAM) + len(HAM))]
    return f"{base} [scenario comment {n}]"


def finish(failures: list[str]) -> NoReturn:
    """Print the verdict line and exit: 0 on PASS, 1 on FAIL."""
    if failures:
        print(f"VERDICT: FAIL ({'; '.join(failures)})")
        sys.exit(1)
    print("VERDICT: PASS")
    sys.exit(0)


@dataclass
class Tally:
    """Answers seen by a :class:`Client`, by kind of request and status."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    slowest: float = 0.0  # seconds, the longest request

    def add(self, kind: str, status: str, body: str = "") -> None:
        name = f"{kind} {status}"
        self.counts[name] = self.counts.get(name, 0) + 1
        if body and name not in self.examples:
            self.examples[name] = body[:160]

    def count(self, kind: str, status: str) -> int:
        return self.counts.get(f"{kind} {status}", 0)

    def show(self) -> str:
        counts = ", ".join(f"{name}: {n}" for name, n in sorted(self.counts.items()))
        return f"{counts}; slowest request {self.slowest:.2f} s"


Step = Callable[[httpx.Client, int, Tally], None]


class Client:
    """Sends requests back to back in a thread until stopped: ``step(http, n)``
    does one request and records its answer in ``tally``."""

    def __init__(self, url: str, step: Step, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=url, timeout=timeout)
        self.step = step
        self.tally = Tally()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Client:
        self._thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            start = time.perf_counter()
            self.step(self.http, n, self.tally)
            self.tally.slowest = max(self.tally.slowest, time.perf_counter() - start)
            n += 1

    def stop(self) -> Tally:
        self._stop.set()
        self._thread.join(timeout=60)
        self.http.close()
        return self.tally
