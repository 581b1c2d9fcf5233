"""The store on both backends: schema, keys, feedback, the check log, hostile text."""

from __future__ import annotations

import pytest

from winnow.errors import ApiKeyError, StoreError
from winnow.keys import KeyRing, hash_key, issue_key
from winnow.store import CheckLogWriter, CheckRecord, FeedbackRecord, open_store

HOSTILE = "'); DROP TABLE feedback; -- <script>alert(1)</script> %s ? $1 \\ \" \x00 \u202e"


def test_migrate_is_idempotent(store):
    assert store.migrate() == store.migrate() == 1


def test_keys_are_stored_hashed_and_found_by_the_key(store):
    key, record = issue_key(store, "https://www.News.Example.com/blog/")
    assert record.site == "news.example.com"
    assert record.key_hash == hash_key(key) and key not in repr(store.list_keys())
    assert KeyRing(store).lookup(key) == record
    assert KeyRing(store).lookup("0" * 32) is None
    assert KeyRing(store).lookup("not a key") is None


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
