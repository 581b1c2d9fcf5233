"""Scenario: the SQLite store's disk fills up, and another process locks the database.

(a) Disk full: the database lives on a 2 MiB tmpfs (``mount -t tmpfs``, so it needs
root). Feedback with long texts is sent until the store refuses it. PASS needs:
refused feedback answered 503 with a ``detail`` that says the store is full;
checks (native and Akismet) still answered 200, also once the key cache has
expired and keys are read from the store again; after the service stops,
``PRAGMA integrity_check`` is ``ok`` and every acknowledged feedback is there.

(b) Locked: this process holds ``BEGIN EXCLUSIVE`` for longer than the store's
busy timeout (5 s). PASS needs: feedback sent meanwhile answered 503 with a
``detail``; checks answered 200 meanwhile; feedback 201 again after the release;
integrity ``ok`` and every acknowledged feedback there.

    .venv/bin/python benchmarks/scenario_sqlite.py
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import httpx

from bench_service import akismet_body
from scenario_tools import Service, describe, finish, running, sample_text, service_env

TMPFS_SIZE = "2m"
LONG_TEXT = 20_000  # characters of each feedback that fills the disk
MAX_FILL = 400  # feedback requests at most while filling
KEY_CACHE_S = 5.0  # winnow.keys.KeyRing's ttl: after it, checks read keys from the store
BUSY_TIMEOUT_S = 5.0  # SQLiteStore's busy_timeout
HOLD_S = BUSY_TIMEOUT_S + 3.0


def send_feedback(service: Service, n: int, length: int = 0) -> tuple[int, str, str]:
    """Status, body and the text sent of one feedback (``length`` pads the text)."""
    text = sample_text(n) + " x" * (length // 2)
    body = {"text": text, "label": "spam" if n % 2 else "ham"}
    answer = httpx.post(f"{service.url}/v1/feedback", json=body, headers=service.auth, timeout=30)
    return answer.status_code, answer.text, text


def checks_answer(service: Service, count: int = 10) -> dict[int, int]:
    """Statuses of ``count`` checks, native and Akismet alternating."""
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=service.url, timeout=30) as http:
        for n in range(count):
            if n % 2:
                form = akismet_body(service.key, sample_text(n), n)
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                answer = http.post("/1.1/comment-check", content=form, headers=headers)
            else:
                answer = http.post("/v1/check", json={"text": sample_text(n)}, headers=service.auth)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    return statuses


def detail(body: str) -> str:
    """The ``detail`` of a JSON error body ('' if there is none)."""
    try:
        return str(json.loads(body).get("detail", ""))
    except (ValueError, AttributeError):
        return ""


def after_stop(db: Path, acknowledged: dict[int, str]) -> list[str]:
    """Integrity and acknowledged feedback, checked once the service is stopped."""
    with closing(sqlite3.connect(db)) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        in_store = dict(connection.execute("SELECT id, text FROM feedback"))
    lost = set(acknowledged.items()) - set(in_store.items())
    print(
        f"  after stop: integrity_check {integrity!r}; {len(acknowledged)} acknowledged, "
        f"{len(in_store)} in the store, {len(lost)} acknowledged but missing"
    )
    failures = [] if integrity == "ok" else [f"integrity_check {integrity!r}"]
    return failures + ([f"{len(lost)} acknowledged feedback lost"] if lost else [])


def fill(service: Service) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """Long feedback until 5 in a row are refused; the acknowledged ids and texts and
    the refusals (status, body)."""
    acknowledged: dict[int, str] = {}
    refused: list[tuple[int, str]] = []
    streak = 0
    for n in range(MAX_FILL):
        status, body, text = send_feedback(service, n, LONG_TEXT)
        if status == 201:
            acknowledged[json.loads(body)["id"]] = text
            streak = 0
        else:
            refused.append((status, body))
            streak += 1
        if streak == 5:
            break
    return acknowledged, refused


def while_full(service: Service) -> list[str]:
    """Checks now and after the key cache expired, and readiness, while the disk is full."""
    failures = []
    for when in ("just after", f"{KEY_CACHE_S + 1:g} s after"):
        if when != "just after":
            time.sleep(KEY_CACHE_S + 1)
        statuses = checks_answer(service)
        print(f"  checks {when} the disk filled: {statuses}")
        if set(statuses) != {200}:
            failures.append(f"checks answered {statuses} with the disk full")
    ready = httpx.get(f"{service.url}/readyz", timeout=30)
    print(f"  /readyz with the disk full: {ready.status_code} {ready.text[:160]}")
    return failures


def disk_full() -> list[str]:
    """Scenario (a); returns its failures. The server's log stays off the small disk."""
    with tempfile.TemporaryDirectory(prefix="winnow-full-") as tmp:
        disk = Path(tmp) / "disk"
        disk.mkdir()
        mount = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
        )
        if mount.returncode:
            print(f"  tmpfs mount not permitted ({mount.stderr.strip()}): disk full not run")
            return ["disk full not run: mount -t tmpfs needs root"]
        try:
            return _disk_full(Path(tmp), disk / "winnow.db")
        finally:
            if subprocess.run(["umount", str(disk)], check=False).returncode:
                subprocess.run(["umount", "--lazy", str(disk)], check=False)


def _disk_full(tmp: Path, db: Path) -> list[str]:
    print(f"(a) disk full: database on a {TMPFS_SIZE} tmpfs (mount -t tmpfs)")
    with running(service_env(f"sqlite:///{db}"), tmp) as service:
        acknowledged, refused = fill(service)
        print(f"  feedback: {len(acknowledged)} acknowledged (201), then {len(refused)} refused")
        for status, body in refused[:2]:
            print(f"  refused: {status} {body[:160]}")
        failures = [
            f"feedback refused with {s} {b[:80]}"
            for s, b in refused
            if s != 503 or "full" not in detail(b)
        ]
        failures += [] if refused else ["the store never filled up"]
        failures += while_full(service)
    return failures + after_stop(db, acknowledged)


def hold_exclusive(db: Path, seconds: float, held: threading.Event) -> None:
    """``BEGIN EXCLUSIVE`` on its own connection for ``seconds``, then roll back."""
    connection = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def while_locked(service: Service, db: Path) -> tuple[list[tuple[int, str]], dict[int, int]]:
    """Feedback (2 at once) and checks sent while the lock is held: their answers.
    Checks go once at once, and once more when the feedback is answered (the key
    cache has expired by then, so keys are read from the locked database)."""
    held = threading.Event()
    with ThreadPoolExecutor(4) as pool:
        holder = pool.submit(hold_exclusive, db, HOLD_S, held)
        held.wait(timeout=30)
        started = time.monotonic()
        sent = [pool.submit(send_feedback, service, 1000 + n) for n in range(2)]
        statuses = checks_answer(service)
        refused = [(s, b) for s, b, _ in (f.result() for f in sent)]
        print(f"  feedback while locked: answered after {time.monotonic() - started:.1f} s")
        later = checks_answer(service)
        print(
            f"  checks while locked: {statuses} at once, {later} after "
            f"{time.monotonic() - started:.1f} s (lock held {HOLD_S:g} s)"
        )
        holder.result()
    return refused, {k: statuses.get(k, 0) + later.get(k, 0) for k in {*statuses, *later}}


def locked() -> list[str]:
    """Scenario (b); returns its failures."""
    print(f"(b) locked: another connection holds BEGIN EXCLUSIVE for {HOLD_S:g} s")
    with tempfile.TemporaryDirectory(prefix="winnow-locked-") as tmp:
        db = Path(tmp) / "winnow.db"
        with running(service_env(f"sqlite:///{db}"), Path(tmp)) as service:
            refused, statuses = while_locked(service, db)
            for status, body in refused:
                print(f"  refused: {status} {body[:160]}")
            status, body, text = send_feedback(service, 2000)
            print(f"  feedback after the release: {status} {body[:80]}")
        failures = [
            f"feedback while locked: {s} {b[:80]}" for s, b in refused if s != 503 or not detail(b)
        ]
        failures += [] if set(statuses) == {200} else [f"checks answered {statuses} while locked"]
        failures += [] if status == 201 else [f"feedback after the release: {status}"]
        acknowledged = {json.loads(body)["id"]: text} if status == 201 else {}
        return failures + after_stop(db, acknowledged)


def main() -> None:
    print(f"host: {describe()}")
    print("scenario: SQLite faults, 2 workers")
    finish(disk_full() + locked())


if __name__ == "__main__":
    main()
