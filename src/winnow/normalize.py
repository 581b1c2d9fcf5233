"""Text normalisation: undo the markup and obfuscation spammers hide behind.

The functions here run inside the model's ``Pipeline`` (through
:class:`TextNormalizer`), so training and serving always clean text the same way.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
_CYRILLIC_TO_LATIN = str.maketrans("аеорсхуіјѕԁһкмтвн", "aeopcxyijsdhkmtbh")
_LEET_TO_LATIN = str.maketrans("0134578@$", "oieastbas")

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ANCHOR_HREF = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']?([^\"' >]+)[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_DOT_WORD = re.compile(
    r"\s*[\[\(\{<]\s*dot\s*[\]\)\}>]\s*|\s+dot\s+(?=(?:com|net|org|info|io|co|me|ru|xyz|biz)\b)"
)
_SPACED_LETTERS = re.compile(r"(?<!\S)(?:\S ){4,}\S(?!\S)")
_MIXED_SCRIPT_WORD = re.compile(r"\w*[a-z]\w*[а-яёіјѕԁһ]\w*|\w*[а-яёіјѕԁһ]\w*[a-z]\w*")
_LEET_WORD = re.compile(r"\b(?=\w*[a-z]\w*[a-z])(?=\w*[0134578])[a-z0-9]{4,}\b")

_URL = re.compile(
    r"\b(?:https?://|www\.)\S+|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|me|ru|xyz|ly|top|site|online|club|us|uk)\b(?:/\S*)?"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")
_MONEY = re.compile(r"[$€£₹]\s?\d[\d,.]*(?:[km]\b)?|\b\d[\d,.]*\s?(?:usd|dollars|euros?|pounds)\b")
_RATE = re.compile(
    r"\b(?:per|an|a|every|each)\s+(?:single\s+)?(?:hour|hr|day|week|month)\b|/\s?(?:hr|hour|h|day|week|wk)\b"
)
_SPACES = re.compile(r"[ \t\r\f\v]+")


def strip_html(text: str) -> str:
    """Turn comment HTML into text: entities decoded, links kept as their URL."""
    text = _BR.sub("\n", text)
    text = _ANCHOR_HREF.sub(lambda m: f" {m.group(1)} ", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


def fold_characters(text: str) -> str:
    """Fold Unicode look-alikes: full-width forms, zero-width marks, mixed-script words."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).casefold()
    return _MIXED_SCRIPT_WORD.sub(lambda m: m.group(0).translate(_CYRILLIC_TO_LATIN), text)


def deobfuscate(text: str) -> str:
    """Rejoin spaced-out letters, ``[dot]`` domains and leetspeak words."""
    text = _DOT_WORD.sub(".", text)
    text = _SPACED_LETTERS.sub(lambda m: m.group(0).replace(" ", ""), text)
    return _LEET_WORD.sub(_unleet, text)


def _unleet(match: re.Match[str]) -> str:
    word = match.group(0)
    plain = word.translate(_LEET_TO_LATIN)
    return plain if plain.isalpha() else word


def mark_entities(text: str) -> str:
    """Add marker tokens for links, e-mails, phone numbers, money and pay rates.

    Markers let the model learn "a link" or "a money amount" as such, whatever
    the exact domain or sum. Link hosts and sums stay in the text; phone digits,
    which carry no meaning of their own, are replaced by their marker.
    """
    text = _EMAIL.sub(lambda m: f"{m.group(0)} zzemail", text)
    text = _URL.sub(lambda m: f"{_url_words(m.group(0))} zzurl", text)
    text = _PHONE.sub(" zzphone ", text)
    text = _MONEY.sub(lambda m: f"{m.group(0)} zzmoney", text)
    return _RATE.sub(lambda m: f"{m.group(0)} zzrate", text)


def _url_words(url: str) -> str:
    """Split a URL into its host words so ``cashwork24.com`` yields ``cashwork24``."""
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url).split("/", 1)[0]
    return " ".join(part for part in re.split(r"[.\-]", host) if part)


def normalize_text(text: str) -> str:
    """The full cleaning chain applied to every comment before feature extraction."""
    text = fold_characters(strip_html(text))
    text = mark_entities(deobfuscate(text))
    return _SPACES.sub(" ", text).strip()


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Stateless scikit-learn transformer applying :func:`normalize_text`.

    Accepts any iterable of strings (list, array, pandas Series); missing values
    become empty strings.
    """

    def fit(self, X: Iterable[str], y: object = None) -> TextNormalizer:
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        return np.array([normalize_text(x if isinstance(x, str) else "") for x in X], dtype=object)
