"""API keys: shape, hashing, site binding, and the `winnow keys` commands."""

from __future__ import annotations

import re

import pytest

from conftest import run_winnow
from winnow import keys as keys_module
from winnow.errors import ApiKeyError, StoreError
from winnow.keys import KeyRing, hash_key, looks_like_key, new_key, normalize_site
from winnow.store import KeyRecord


def test_new_keys_are_random_dns_safe_and_hash_checked():
    key, other = new_key(), new_key()
    assert key != other and looks_like_key(key) and len(key) == 32
    assert hash_key(key) == hash_key(key) != hash_key(other)
    assert re.fullmatch("[0-9a-f]{64}", hash_key(key))  # SHA-256, never the key itself


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://News.Example.com/", "news.example.com"),
        ("news.example.com", "news.example.com"),
        ("http://www.news.example.com/blog/", "news.example.com"),
        ("http://localhost:8080", "localhost:8080"),
    ],
)
def test_sites_are_normalised(url, site):
    assert normalize_site(url) == site


@pytest.mark.parametrize("url", ["", "http://", "http://host:port"])
def test_bad_site_urls_are_refused(url):
    with pytest.raises(ApiKeyError, match="not a site URL"):
        normalize_site(url)


def winnow_keys(database: str, *args: str):
    return run_winnow("keys", *args, env={"WINNOW_DATABASE_URL": database})


def test_keys_add_list_revoke_through_the_command(tmp_path):
    database = f"sqlite:///{tmp_path / 'winnow.db'}"
    added = winnow_keys(database, "add", "--site", "https://news.example.com/")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert looks_like_key(key)
    listed = winnow_keys(database, "list")
    assert listed.stdout.startswith(f"{key[:8]}  news.example.com  ")
    assert key not in listed.stdout and "active" in listed.stdout
    revoked = winnow_keys(database, "revoke", key)
    assert revoked.returncode == 0 and "revoked" in revoked.stderr
    assert "revoked 20" in winnow_keys(database, "list").stdout
    again = winnow_keys(database, "revoke", key[:8])
    assert again.returncode == 1
    assert again.stderr.strip() == f"Error: no active key with prefix '{key[:8]}'"


def test_keys_add_with_a_bad_site_is_one_error_line(tmp_path):
    result = winnow_keys(f"sqlite:///{tmp_path / 'w.db'}", "add", "--site", "http://")
    assert (result.returncode, result.stderr) == (1, "Error: not a site URL: 'http://'\n")


def test_an_admin_key_through_the_command(tmp_path):
    database = f"sqlite:///{tmp_path / 'winnow.db'}"
    added = winnow_keys(database, "add", "--admin")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert looks_like_key(key) and "created for admin use" in added.stderr
    assert winnow_keys(database, "list").stdout.startswith(f"{key[:8]}  (admin)  ")
    neither = winnow_keys(database, "add")
    assert (neither.returncode, neither.stderr) == (1, "Error: give either --site URL or --admin\n")
    both = winnow_keys(database, "add", "--admin", "--site", "news.example.com")
    assert both.returncode == 1


class FlakyStore:
    """Answers for one key until it is switched off, as a database that goes down."""

    def __init__(self, record: KeyRecord) -> None:
        self.record, self.up, self.calls = record, True, 0

    def find_key(self, digest: str) -> KeyRecord | None:
        self.calls += 1
        if not self.up:
            raise StoreError("feedback store unavailable: PostgreSQL is not answering")
        return self.record if digest == self.record.key_hash else None


def test_keys_confirmed_recently_keep_working_while_the_store_is_down():
    key = new_key()
    store = FlakyStore(KeyRecord(1, hash_key(key), key[:8], "news.example.com", "2026-11-24"))
    ring = KeyRing(store, ttl=0, max_stale=3600)
    assert ring.lookup(key) == store.record
    store.up = False
    assert ring.lookup(key) == store.record and store.calls == 2
    with pytest.raises(StoreError, match="not answering"):
        ring.lookup(new_key())
    expired = KeyRing(store, ttl=0, max_stale=0)
    store.up = True
    expired.lookup(key)
    store.up = False
    with pytest.raises(StoreError):
        expired.lookup(key)


def test_presented_keys_are_compared_in_constant_time(monkeypatch):
    compared = []

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return a == b

    monkeypatch.setattr(keys_module.hmac, "compare_digest", spy)
    key = new_key()
    store = FlakyStore(KeyRecord(1, hash_key(key), key[:8], "news.example.com", "2026-11-24"))
    assert KeyRing(store).lookup(key) == store.record
    assert compared == [(hash_key(key), hash_key(key))]


def test_only_short_site_spellings_are_remembered():
    short = "https://www.Remembered.example/"
    long = "https://long.example/" + "x" * keys_module.CACHED_SITE_CHARS
    before = keys_module._cached_site.cache_info().currsize
    assert normalize_site(short) == normalize_site(short) == "remembered.example"
    assert normalize_site(long) == "long.example"
    assert keys_module._cached_site.cache_info().currsize == before + 1


def test_an_event_loop_is_told_when_memory_holds_a_keys_answer():
    key, other = new_key(), new_key()
    store = FlakyStore(KeyRecord(1, hash_key(key), key[:8], "news.example.com", "2026-11-24"))
    ring = KeyRing(store, ttl=60)
    assert ring.remembered(key) == (False, None) and store.calls == 0
    assert ring.remembered("not a key") == (True, None)  # refused without the store
    ring.lookup(key), ring.lookup(other)
    assert ring.remembered(key) == (True, store.record)
    assert ring.remembered(other) == (True, None)  # unknown, and remembered as such
    assert store.calls == 2
    assert KeyRing(store, ttl=0).remembered(key) == (False, None)
