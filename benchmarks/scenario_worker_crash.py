"""Scenario: one uvicorn worker is SIGKILLed mid-request.

The service runs with 2 workers on SQLite. Two clients send single checks back to
back (a new connection each, so they spread over both workers) and two send slow
``/v1/check-batch`` requests of 1000 comments. Once both batches are in flight,
one worker (a spawned child of the uvicorn supervisor) gets SIGKILL.

PASS needs: the only failed requests are those in flight when the worker died
(sent before the kill, failed after it); uvicorn replaces the dead worker
within ``REPLACE_TIMEOUT`` s; the replacement serves (holds an accepted connection of the
service's port), so the service serves with 2 workers again.

    .venv/bin/python benchmarks/scenario_worker_crash.py
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from scenario_tools import (
    Service,
    describe,
    finish,
    open_files,
    running,
    sample_text,
    service_env,
    wait_for_workers,
    worker_pids,
)

BATCH = 1000
REPLACE_TIMEOUT = 30.0
AFTER_S = 3.0  # traffic kept up once the replacement serves


@dataclass(frozen=True)
class Sent:
    """One request: kind, when it was sent and answered (monotonic s), and the outcome."""

    kind: str
    start: float
    end: float
    outcome: str


class Traffic:
    """Client threads sending back to back until stopped; every request is recorded."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.sent: list[Sent] = []
        self.in_flight: dict[str, float | None] = {}
        self.stop = threading.Event()
        kinds = ["check", "check", "batch", "batch"]
        self.threads = [
            threading.Thread(target=self._run, args=(f"{k}{i}",), daemon=True)
            for i, k in enumerate(kinds)
        ]

    def _run(self, name: str) -> None:
        batch = {"comments": [{"text": sample_text(n)} for n in range(BATCH)]}
        headers = {**self.service.auth, "Connection": "close"}
        n = 0
        while not self.stop.is_set():
            body = batch if name.startswith("batch") else {"text": sample_text(n)}
            path = "/v1/check-batch" if name.startswith("batch") else "/v1/check"
            start = self.in_flight[name] = time.monotonic()
            try:
                answer = httpx.post(self.service.url + path, json=body, headers=headers, timeout=60)
                outcome = str(answer.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            self.in_flight[name] = None
            self.sent.append(Sent(name.rstrip("0123456789"), start, time.monotonic(), outcome))
            n += 1

    def start(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def batches_in_flight(self, timeout: float = 30) -> bool:
        """Waits until both batch clients have a request out for at least 0.1 s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            since = [v for k, v in self.in_flight.items() if k.startswith("batch")]
            if len(since) == 2 and all(s and time.monotonic() - s > 0.1 for s in since):
                return True
            time.sleep(0.02)
        return False

    def finish(self) -> list[Sent]:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=90)
        return self.sent


def replaced(server: int, killed: int, since: float) -> tuple[list[int], float]:
    """The workers once the killed one is replaced, and seconds since the kill."""
    while time.monotonic() - since < REPLACE_TIMEOUT:
        pids = worker_pids(server)
        if len(pids) == 2 and killed not in pids:
            return pids, time.monotonic() - since
        time.sleep(0.05)
    return worker_pids(server), float("inf")


def accepted(pid: int, port: int) -> int:
    """Established connections on the service's ``port`` that ``pid`` holds open: a
    worker holding one has accepted a request."""
    wanted = f":{port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(wanted) and fields[3] == "01":
            inodes.add(f"socket:[{fields[9]}]")
    return len(inodes.intersection(open_files(pid)))


def replacement_serves(service: Service, new: int, since: float) -> float:
    """Seconds from the kill until the new worker holds an accepted connection (it
    loads the model first); inf if not within ``REPLACE_TIMEOUT``."""
    port = int(service.url.rsplit(":", 1)[1])
    while time.monotonic() - since < REPLACE_TIMEOUT:
        with suppress(OSError):
            if accepted(new, port):
                return time.monotonic() - since
        time.sleep(0.02)
    return float("inf")


def classify(sent: list[Sent], killed_at: float) -> tuple[dict[str, int], list[Sent], list[Sent]]:
    """Counts by kind and outcome; failures in flight at the kill; other failures."""
    counts: dict[str, int] = {}
    for s in sent:
        counts[f"{s.kind} {s.outcome}"] = counts.get(f"{s.kind} {s.outcome}", 0) + 1
    failed = [s for s in sent if s.outcome != "200"]
    in_flight = [s for s in failed if s.start <= killed_at <= s.end]
    return counts, in_flight, [s for s in failed if s not in in_flight]


@dataclass(frozen=True)
class Crash:
    """What happened around the kill."""

    before: list[int]
    after: list[int]
    killed_at: float
    replaced_after: float
    serves_after: float
    sent: list[Sent]
    final: list[int]


def crash(service: Service) -> Crash:
    """Traffic, SIGKILL to the first worker once both batches are in flight, traffic
    until the replacement serves and ``AFTER_S`` more."""
    traffic = Traffic(service).start()
    time.sleep(2)
    before = worker_pids(service.pid)
    if not traffic.batches_in_flight():
        finish(["the batch requests never were in flight"])
    killed_at = time.monotonic()
    os.kill(before[0], signal.SIGKILL)
    after, replaced_after = replaced(service.pid, before[0], killed_at)
    new = (set(after) - set(before)) or {0}
    serves_after = replacement_serves(service, new.pop(), killed_at)
    time.sleep(AFTER_S)
    sent = traffic.finish()
    final = wait_for_workers(service.pid, 2, timeout=1)
    return Crash(before, after, killed_at, replaced_after, serves_after, sent, final)


def report(c: Crash) -> list[str]:
    """Prints what happened; returns what fails the scenario."""
    print(f"workers: {c.before}; SIGKILL {c.before[0]}; then {c.after}; at the end {c.final}")
    print(
        f"replacement worker started {c.replaced_after:.2f} s after the kill; "
        f"serving {c.serves_after:.2f} s after it"
    )
    counts, in_flight, other = classify(c.sent, c.killed_at)
    print(f"requests: {', '.join(f'{k}: {n}' for k, n in sorted(counts.items()))}")
    lost = ", ".join(f"{s.kind} {s.outcome}" for s in in_flight) or "none"
    print(f"failed in flight on the killed worker: {len(in_flight)} ({lost})")
    print(f"failed otherwise: {len(other)}")
    failures = (
        [f"{len(other)} requests failed that were not in flight at the kill"] if other else []
    )
    failures += [] if c.replaced_after < REPLACE_TIMEOUT else ["the dead worker was not replaced"]
    failures += [] if c.serves_after < REPLACE_TIMEOUT else ["the replacement never served"]
    return failures + ([] if len(c.final) == 2 else [f"{len(c.final)} workers at the end"])


def main() -> None:
    print(f"host: {describe()}")
    print(f"scenario: SIGKILL one of 2 workers with checks and {BATCH}-comment batches in flight")
    with tempfile.TemporaryDirectory(prefix="winnow-crash-") as tmp:
        db = Path(tmp) / "winnow.db"
        with running(service_env(f"sqlite:///{db}"), Path(tmp)) as service:
            result = crash(service)
    finish(report(result))


if __name__ == "__main__":
    main()
