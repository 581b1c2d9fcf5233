"""Database faults under the service: checks keep answering, feedback either succeeds or
fails with a clear 503, and everything acknowledged is stored, uncorrupted.

The longer versions, under load, are ``make scenarios`` (``benchmarks/scenario_*.py``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pg import PostgresServer, postgres_bin, throwaway_postgres
from service_fixtures import SITE
from test_service_native import HAM
from winnow.keys import issue_key
from winnow.settings import Settings
from winnow.store import SQLiteStore, open_store
from winnow_service.app import create_app

FULL = "feedback store error: database or disk is full"
LOCKED = "feedback store error: database is locked"
PG_DOWN = "feedback store unavailable: PostgreSQL is not answering"


def settings_for(database_url: str, models_dir: Path) -> Settings:
    return Settings(
        models_dir=models_dir, database_url=database_url, freeze_heap=False, _env_file=None
    )


def send_feedback(client: TestClient, auth: dict[str, str], n: int, size: int = 100):
    text = f"Moderated comment number {n}: " + "x" * size
    return client.post("/v1/feedback", json={"text": text, "label": "spam"}, headers=auth), text


def check_answers(client: TestClient, auth: dict[str, str]) -> bool:
    return client.post("/v1/check", json={"text": HAM}, headers=auth).status_code == 200


def stored_texts(database_url: str) -> set[str]:
    store = open_store(database_url)
    try:
        return {record.text for record in store.feedback()}
    finally:
        store.close()


@pytest.fixture
def sqlite_service(tmp_path, trained_models_dir) -> Iterator[tuple[TestClient, dict, Path]]:
    path = tmp_path / "winnow.db"
    store = open_store(f"sqlite:///{path}")
    key, _ = issue_key(store, SITE)
    store.close()
    settings = settings_for(f"sqlite:///{path}", trained_models_dir)
    with TestClient(create_app(settings)) as client:
        yield client, {"Authorization": f"Bearer {key}"}, path


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def test_a_full_sqlite_disk_refuses_feedback_clearly_and_keeps_what_it_acknowledged(
    sqlite_service, monkeypatch
):
    client, auth, path = sqlite_service
    acknowledged = {send_feedback(client, auth, n)[1] for n in range(3)}
    opened = SQLiteStore._connect

    def capped(self):  # every connection may only use the pages the file has now
        connection = opened(self)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    monkeypatch.setattr(SQLiteStore, "_connect", capped)
    client.app.state.moderator.store.close()  # reconnect through the cap
    answers = []
    for n in range(3, 200):
        answer, text = send_feedback(client, auth, n, size=3000)
        answers.append(answer)
        if answer.status_code != 201:
            break
        acknowledged.add(text)
    assert (answers[-1].status_code, answers[-1].json()) == (503, {"detail": FULL})
    assert check_answers(client, auth)
    monkeypatch.undo()
    assert acknowledged <= stored_texts(f"sqlite:///{path}")
    assert integrity(path) == "ok"


def test_a_locked_sqlite_database_refuses_feedback_clearly_then_recovers(sqlite_service):
    client, auth, path = sqlite_service
    first, text = send_feedback(client, auth, 1)
    assert first.status_code == 201
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        locked, _ = send_feedback(client, auth, 2)
        assert (locked.status_code, locked.json()) == (503, {"detail": LOCKED})
        assert check_answers(client, auth)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    after, later = send_feedback(client, auth, 3)
    assert after.status_code == 201
    assert {text, later} <= stored_texts(f"sqlite:///{path}")
    assert integrity(path) == "ok"


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, since the test stops it."""
    if postgres_bin("initdb") is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    with throwaway_postgres("winnow-pg-fault-") as server:
        yield server


def feedback_until_stored(client, auth, n: int, timeout: float = 20) -> str:
    """Feedback after a restart: the pool reconnects within seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer, text = send_feedback(client, auth, n)
        if answer.status_code == 201 or time.monotonic() > deadline:
            assert answer.status_code == 201, answer.text
            return text


def test_postgresql_stopped_and_restarted(own_postgres, trained_models_dir):
    url = own_postgres.url
    store = open_store(url)
    key, _ = issue_key(store, SITE)
    store.close()
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(settings_for(url, trained_models_dir))) as client:
        before, text = send_feedback(client, auth, 1)
        assert before.status_code == 201
        own_postgres.stop()
        down, _ = send_feedback(client, auth, 2)
        assert (down.status_code, down.json()) == (503, {"detail": PG_DOWN})
        assert check_answers(client, auth)
        assert client.get("/readyz").json()["database"] == "unavailable"
        own_postgres.start()
        later = feedback_until_stored(client, auth, 3)
        assert client.get("/readyz").status_code == 200
    assert {text, later} <= stored_texts(url)
