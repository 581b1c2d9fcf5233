"""API keys: made here, shown once, stored only as a SHA-256 hash.

A key is 32 random lower-case hex characters: 128 bits, so a plain fast hash is
safe to store (there is nothing to brute-force the way there is with passwords),
and a valid DNS label, because some Akismet clients send the key as the first
label of the ``Host`` header (``KEY.rest.akismet.com``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from winnow.errors import ApiKeyError, StoreError
from winnow.store import KeyRecord, Store

log = logging.getLogger(__name__)

KEY_BYTES = 16
PREFIX_CHARS = 8
MAX_CACHED_KEYS = 10_000
_KEY_SHAPE = re.compile(r"[0-9a-f]{32}")


def new_key() -> str:
    """A fresh random API key."""
    return secrets.token_hex(KEY_BYTES)


def looks_like_key(text: str) -> bool:
    """Whether ``text`` has the shape of a winnow key (cheap filter before any lookup)."""
    return bool(_KEY_SHAPE.fullmatch(text))


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_prefix(key: str) -> str:
    """The first characters of a key: enough for an operator to tell keys apart."""
    return key[:PREFIX_CHARS]


# Site spellings up to this long are remembered: a server sees the same few again and
# again; a longer one (a form field can hold a megabyte) is worked out each time.
CACHED_SITE_CHARS = 256


def normalize_site(url: str) -> str:
    """The site a key is bound to, as ``host[:port]`` in lower case.

    Akismet clients send the blog's home URL in many spellings (with or without
    scheme, trailing slash, path or ``www.``); they all name the same site.
    """
    return _cached_site(url) if len(url) <= CACHED_SITE_CHARS else _site_of(url)


@functools.lru_cache(maxsize=4096)
def _cached_site(url: str) -> str:
    return _site_of(url)


def _site_of(url: str) -> str:
    text = url.strip()
    try:  # urlsplit itself refuses some text ("[": invalid IPv6 URL)
        parts = urlsplit(text if "//" in text else f"//{text}")
        host, port = (parts.hostname or "").rstrip(".").removeprefix("www."), parts.port
    except ValueError:
        host, port = "", None
    if not host:
        raise ApiKeyError(f"not a site URL: {url!r}")
    return f"{host}:{port}" if port else host


def issue_key(
    store: Store,
    site: str,
    spam_threshold: float | None = None,
    discard_threshold: float | None = None,
) -> tuple[str, KeyRecord]:
    """Create a key bound to ``site``; the key itself is returned once and never stored."""
    for name, value in (("spam", spam_threshold), ("discard", discard_threshold)):
        if value is not None and not 0 <= value <= 1:
            raise ApiKeyError(f"{name} threshold must be between 0 and 1, not {value}")
    return _stored_key(
        store,
        normalize_site(site),
        spam_threshold=spam_threshold,
        discard_threshold=discard_threshold,
    )


ADMIN_SITE = "*"


def issue_admin_key(store: Store) -> tuple[str, KeyRecord]:
    """Create an admin key: it manages keys and reloads the model over HTTP, and is bound
    to no site, so it can never check or report a comment."""
    return _stored_key(store, ADMIN_SITE, role="admin")


def _stored_key(store: Store, site: str, **columns: Any) -> tuple[str, KeyRecord]:
    """A fresh key, stored hashed with ``columns``; the key and its stored record."""
    key = new_key()
    record_id = store.add_key(hash_key(key), key_prefix(key), site, **columns)
    return key, next(k for k in store.list_keys() if k.id == record_id)


def site_matches(record: KeyRecord, site: str | None) -> bool:
    """Whether a request's site (Akismet's ``blog``) is the one the key is bound to."""
    try:
        return site is not None and not record.is_admin and normalize_site(site) == record.site
    except ApiKeyError:
        return False


def _active(record: KeyRecord | None, digest: str) -> KeyRecord | None:
    """The cached record, if its stored hash is the presented key's (compared in
    constant time)."""
    return record if record and hmac.compare_digest(digest, record.key_hash) else None


class _Entry(NamedTuple):
    checked: float  # when the store was last asked (or a refresh began)
    record: KeyRecord | None
    confirmed: float  # when the store last answered for this key


class KeyRing:
    """Finds the active key record for a presented key, with a short cache.

    The cache keeps the store off the hot path of every check; ``ttl`` bounds
    how long a revoked key keeps working in a running service. While the store
    is down, a key it confirmed within ``max_stale`` seconds keeps working, so
    checks go on answering (the model needs no database); a key never seen
    before gets the store's error.
    """

    def __init__(self, store: Store, ttl: float = 5.0, max_stale: float = 3600.0) -> None:
        self.store = store
        self.ttl = ttl
        self.max_stale = max_stale
        self._cache: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def remembered(self, key: str | None) -> tuple[bool, KeyRecord | None]:
        """``(True, lookup(key))`` when memory holds the answer (no database call, so an
        event loop may ask), else ``(False, None)``: the caller then calls :meth:`lookup`
        where it may wait on the store. The key is hashed once either way."""
        if not key or not looks_like_key(key):
            return True, None
        digest = hash_key(key)
        with self._lock:
            cached = self._cache.get(digest)
        if cached is None or time.monotonic() - cached.checked > self.ttl:
            return False, None
        return True, _active(cached.record, digest)

    def lookup(self, key: str | None) -> KeyRecord | None:
        """The active record of ``key``, or None (unknown, revoked, or malformed)."""
        if not key or not looks_like_key(key):
            return None
        digest, now = hash_key(key), time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
            due = cached is None or now - cached.checked > self.ttl
            if due and cached is not None:  # others use it meanwhile: one refresh at a time
                self._cache[digest] = cached._replace(checked=now)
        if due:
            cached = self._refresh(digest, cached, now)
        return _active(cached.record, digest)

    def _refresh(self, digest: str, cached: _Entry | None, now: float) -> _Entry:
        """Ask the store; when it fails, fall back on a recently confirmed entry."""
        try:
            found = self.store.find_key(digest)
        except StoreError:
            if cached is None or now - cached.confirmed > self.max_stale:
                raise
            log.warning(
                "key store unavailable: using a key confirmed %.0f s ago", now - cached.confirmed
            )
            return cached
        entry = _Entry(now, found if found and found.active else None, now)
        with self._lock:
            if len(self._cache) >= MAX_CACHED_KEYS:
                self._cache.clear()
            self._cache[digest] = entry
        return entry
