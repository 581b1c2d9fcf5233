"""The store on both backends: schema, keys, feedback, the check log, hostile text."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from conftest import run_winnow
from winnow import store as store_module
from winnow.errors import ApiKeyError, StoreError
from winnow.keys import KeyRing, hash_key, issue_admin_key, issue_key, site_matches
from winnow.store import (
    MIGRATIONS,
    ROWS_PER_INSERT,
    CheckLogWriter,
    CheckRecord,
    FeedbackRecord,
    open_store,
)

HOSTILE = "'); DROP TABLE feedback; -- <script>alert(1)</script> %s ? $1 \\ \" \x00 \u202e"


def test_migrate_is_idempotent(store):
    assert store.migrate() == store.migrate() == len(MIGRATIONS) == 2


def test_keys_made_before_roles_existed_become_site_keys(database_url, monkeypatch):
    old = open_store(database_url, migrate=False)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
    old.migrate()
    sql = (
        "INSERT INTO api_keys (key_hash, prefix, site, created_at) VALUES (?, ?, ?, ?) RETURNING id"
    )
    old._insert(sql, [hash_key("0" * 32), "00000000", "news.example.com", "2026-01-01"])
    monkeypatch.undo()
    assert old.migrate() == 2
    assert old.find_key(hash_key("0" * 32)).role == "site"
    old.close()


def test_keys_are_stored_hashed_and_found_by_the_key(store):
    key, record = issue_key(store, "https://www.News.Example.com/blog/")
    assert record.site == "news.example.com"
    assert record.key_hash == hash_key(key) and key not in repr(store.list_keys())
    assert KeyRing(store).lookup(key) == record
    assert KeyRing(store).lookup("0" * 32) is None
    assert KeyRing(store).lookup("not a key") is None


def test_admin_keys_have_their_role_and_match_no_site(store):
    key, record = issue_admin_key(store)
    found = store.find_key(hash_key(key))
    assert found == record and found.is_admin and found.role == "admin"
    assert not site_matches(found, "*") and not site_matches(found, "news.example.com")
    _, site = issue_key(store, "news.example.com")
    assert site.role == "site" and not site.is_admin


def test_a_revoked_key_is_refused(store):
    key, record = issue_key(store, "news.example.com")
    store.revoke_key(record.prefix)
    assert KeyRing(store).lookup(key) is None
    with pytest.raises(ApiKeyError, match="no active key with prefix"):
        store.revoke_key(record.prefix)


def test_feedback_full_of_sql_and_html_comes_back_unchanged(store):
    text = "Buy now!!! " + HOSTILE.replace("\x00", "")
    store.add_feedback(FeedbackRecord(label="spam", text=text, api="native", author=HOSTILE))
    [back] = store.feedback()
    assert back.text == text
    assert back.author == HOSTILE.replace("\x00", "\ufffd")
    assert store.count_feedback() == 1


def test_feedback_label_must_be_spam_or_ham():
    with pytest.raises(ValueError, match="label must be 'spam' or 'ham'"):
        FeedbackRecord(label="maybe", text="x", api="native")


def test_check_log_writer_flushes_in_batches(store):
    writer = CheckLogWriter(store, interval=60)
    writer.start()
    for i in range(5):
        writer.put(CheckRecord("akismet", f"g{i}", "ham", 0.1, "v1", text=None, fields=None))
    writer.stop()
    assert [c["guid"] for c in store.checks()] == [f"g{i}" for i in range(5)]
    assert store.count_checks(key_id=None, since="2000") == 0


def test_a_long_check_log_batch_is_stored_whole_and_in_order(store):
    """Past ``ROWS_PER_INSERT`` records the batch takes several statements: every
    record lands once, in order, with its values (a non-ASCII site and a NUL too)."""
    n = 2 * ROWS_PER_INSERT + 3
    records = [
        CheckRecord("native", f"{i:032x}", "spam", i / n, "v1", key_id=i, site=f"été{i}\x00")
        for i in range(n)
    ]
    store.log_checks(records)
    stored = store.checks()
    assert [c["guid"] for c in stored] == [r.guid for r in records]
    assert [c["spam_probability"] for c in stored] == [r.spam_probability for r in records]
    assert stored[-1]["site"] == f"été{n - 1}\ufffd" and stored[-1]["key_id"] == n - 1


def test_a_full_check_log_statement_fits_sqlites_old_variable_limit(tmp_path):
    """SQLite before 3.32 allows 999 variables a statement: a full chunk must run there."""
    path = tmp_path / "old.db"
    open_store(f"sqlite:///{path}").close()
    row = store_module._check_row(CheckRecord("native", "a" * 32, "ham", 0.1, "v1", key_id=1))
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        values = row * ROWS_PER_INSERT
        connection.execute(store_module._insert_checks(ROWS_PER_INSERT), values)
        assert connection.execute("SELECT COUNT(*) FROM checks").fetchone() == (ROWS_PER_INSERT,)


def test_unknown_database_url_is_a_clear_error():
    with pytest.raises(StoreError, match="WINNOW_DATABASE_URL must look like"):
        open_store("mysql://localhost/db")


def test_unreachable_postgresql_is_a_store_error():
    store = open_store("postgresql://nobody@127.0.0.1:9/none", migrate=False)
    try:
        with pytest.raises(StoreError, match="PostgreSQL is not answering"):
            store.migrate()
    finally:
        store.close()


def test_prune_deletes_only_rows_older_than_the_cut(store):
    old = CheckRecord("native", "a" * 32, "ham", 0.1, "v1", created_at="2020-01-01T00:00:00")
    new = CheckRecord("native", "b" * 32, "ham", 0.1, "v1")
    store.log_checks([old, new])
    store.add_feedback(FeedbackRecord("spam", "old spam", "native", created_at="2020-01-01"))
    assert store.prune("checks", "2025-01-01") == 1
    assert [c["guid"] for c in store.checks()] == ["b" * 32]
    assert store.count_feedback() == 1
    with pytest.raises(StoreError, match="only checks and feedback can be pruned, not 'api_keys'"):
        store.prune("api_keys", "2025-01-01")


def test_prune_through_the_command(tmp_path):
    database = f"sqlite:///{tmp_path / 'winnow.db'}"
    result = run_winnow(
        "prune",
        "--checks-days",
        "30",
        "--feedback-days",
        "365",
        env={"WINNOW_DATABASE_URL": database},
    )
    assert result.returncode == 0, result.stderr
    assert "checks: 0 rows older than 30 days deleted" in result.stderr
    assert "feedback: 0 rows older than 365 days deleted" in result.stderr


def open_files_of(path: Path) -> int:
    """How many of this process's file descriptors point at ``path`` or its WAL files."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    targets = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # closed while we looked
            targets.append(os.readlink(fd))
    return sum(target in names for target in targets)


def test_threads_that_come_and_go_leave_no_sqlite_connections_behind(tmp_path):
    path = tmp_path / "winnow.db"
    store = open_store(f"sqlite:///{path}")
    for _ in range(5):  # a web server's thread pool retiring and starting threads
        threads = [threading.Thread(target=store.count_feedback) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert open_files_of(path) <= 3 * 4  # at most four idle connections, each with its files
    store.close()
    assert open_files_of(path) == 0
