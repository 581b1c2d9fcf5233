"""Akismet's wire protocol: form bodies in, the exact strings Akismet answers out.

Clients written for Akismet look at very little: the body text (``true``,
``false``, ``valid``, ``invalid``, the submission thanks) and a few headers
(``X-akismet-pro-tip``, ``X-akismet-debug-help``, ``X-akismet-guid``). This
module holds those strings and the request parsing, so the service's routes only
wire them to the model and the store.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from urllib.parse import unquote_to_bytes

from winnow.keys import looks_like_key
from winnow.moderation import Comment

TRUE, FALSE, VALID, INVALID = "true", "false", "valid", "invalid"
THANKS = "Thanks for making the web a better place."
GUARANTEED_SPAM_AUTHOR = "akismet-guaranteed-spam"
GUARANTEED_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
REQUIRED_FOR_COMMENTS = ("blog", "user_ip")
KEY_FIELDS = ("api_key", "key")


class AkismetRequestError(ValueError):
    """A request Akismet would refuse: ``body`` and ``help`` are what the client gets."""

    def __init__(self, body: str, help_text: str) -> None:
        super().__init__(help_text)
        self.body = body
        self.help = help_text


def parse_form(body: bytes, query: bytes = b"", content_type: str | None = None) -> dict[str, str]:
    """Fields of a form-encoded body (and the query string, which the body overrides).

    Values are decoded with the ``blog_charset`` field, or the Content-Type's
    charset, or UTF-8; a value that does not decode is an error naming the field.
    Fields whose names are not text are ignored, as Akismet ignores unknown fields.
    """
    raw: dict[str, bytes] = {}
    for part in (query, body):
        for name, value in form_pairs(part):
            if name.isascii():
                raw[name.decode("ascii")] = value
    charset = _charset(raw.get("blog_charset"), content_type)
    return {name: _decode(name, value, charset) for name, value in raw.items()}


def form_pairs(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The (name, value) pairs of form-encoded bytes, still bytes (values are decoded
    once the charset is known): what ``urllib.parse.parse_qsl`` gives with blank
    values kept, without decoding every pair to text and back."""
    for pair in data.split(b"&"):
        if pair:
            name, _, value = pair.partition(b"=")
            yield _unquoted(name), _unquoted(value)


def _unquoted(part: bytes) -> bytes:
    """``part`` with ``+`` as space and ``%XX`` escapes decoded (``unquote_to_bytes``).

    The escapes become ``\\xXX`` for the C escape decoder, after doubling any
    backslash so that nothing else is read as an escape; a ``%`` that does not start
    a valid escape makes that decoder fail, and the slow way keeps it as it is.
    """
    spaced = part.replace(b"+", b" ")
    if b"%" not in spaced:
        return spaced
    try:
        return codecs.escape_decode(spaced.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    except ValueError:
        return unquote_to_bytes(spaced)


def _charset(field: bytes | None, content_type: str | None) -> str:
    declared = field.decode("ascii", "replace").strip() if field else None
    if not declared and content_type and "charset=" in content_type.lower():
        declared = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    name = declared or "utf-8"
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a name holding a NUL
        raise AkismetRequestError(INVALID, f'Unknown "blog_charset" value: {name[:40]}') from None


def _decode(name: str, value: bytes, charset: str) -> str:
    try:
        return value.decode(charset)
    except UnicodeDecodeError:
        raise AkismetRequestError(
            INVALID, f'"{name}" is not valid {charset}: send UTF-8 or set "blog_charset"'
        ) from None
    except (UnicodeError, LookupError):  # a codec that decodes no text: "undefined", "base64"
        raise AkismetRequestError(
            INVALID, f'"blog_charset" {charset} is not a text encoding'
        ) from None


def key_of(fields: dict[str, str], host: str | None) -> str | None:
    """The API key from ``api_key``, ``key``, or the first label of the Host header."""
    for name in KEY_FIELDS:
        if fields.get(name):
            return fields[name].strip()
    label = (host or "").split(".", 1)[0].lower()
    return label if "." in (host or "") and looks_like_key(label) else None


def require(fields: dict[str, str], names: tuple[str, ...] = REQUIRED_FOR_COMMENTS) -> None:
    """Akismet's answer to a missing required field."""
    for name in names:
        if not fields.get(name, "").strip():
            raise AkismetRequestError(f"Missing required field: {name}.", f'Empty "{name}" value')


def comment_of(fields: dict[str, str]) -> Comment:
    """The comment described by Akismet's fields, under winnow's names."""
    return Comment(
        text=fields.get("comment_content", ""),
        author=fields.get("comment_author") or None,
        author_email=fields.get("comment_author_email") or None,
        author_url=fields.get("comment_author_url") or None,
        user_ip=fields.get("user_ip") or None,
        permalink=fields.get("permalink") or None,
        site=fields.get("blog") or None,
    )


def test_verdict(fields: dict[str, str]) -> str | None:
    """Akismet's documented test conventions: a fixed verdict, or None to ask the model."""
    if fields.get("comment_author", "").strip().lower() == GUARANTEED_SPAM_AUTHOR:
        return "spam"
    if fields.get("comment_author_email", "").strip().lower() == GUARANTEED_SPAM_EMAIL:
        return "spam"
    if fields.get("user_role", "").strip().lower() == "administrator":
        return "ham"
    return None


def is_test(fields: dict[str, str]) -> bool:
    """``is_test`` requests are answered but never stored for training."""
    return fields.get("is_test", "").strip().lower() not in ("", "0", "false")
