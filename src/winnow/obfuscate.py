"""Spam rewritten the way spammers dodge filters, to test that the model still catches it.

Each trick is a function ``(text, rng) -> text``; :func:`obfuscate` applies every
trick to one comment with a seeded random generator, so a test set made from the
same spam and seed is the same every time.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і", "y": "у"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")
_DOMAIN = re.compile(r"\b([a-z0-9-]+)\.(com|net|org|biz|info|xyz|club|io|co|me)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]{4,}")

Trick = Callable[[str, random.Random], str]


def homoglyphs(text: str, rng: random.Random) -> str:
    """Latin letters swapped for Cyrillic look-alikes, in about half the places possible."""
    return "".join(HOMOGLYPHS[c] if c in HOMOGLYPHS and rng.random() < 0.5 else c for c in text)


def zero_width(text: str, rng: random.Random) -> str:
    """Invisible characters inside words."""
    return _WORD.sub(lambda m: _interleave(m.group(0), rng.choice(ZERO_WIDTH)), text)


def full_width(text: str, rng: random.Random) -> str:
    """One word in three in full-width forms (ｆｒｅｅ)."""
    return _WORD.sub(lambda m: _wide(m.group(0)) if rng.random() < 0.34 else m.group(0), text)


def spaced_letters(text: str, rng: random.Random) -> str:
    """The longest word spelt out with spaces (m o n e y)."""
    words = _WORD.findall(text)
    if not words:
        return text
    longest = max(words, key=len)
    return text.replace(longest, " ".join(longest), 1)


def dotted_domains(text: str, rng: random.Random) -> str:
    """Domains written so that link detectors miss them: name[dot]com, name dot com."""
    style = rng.choice(("[dot]", " dot ", " . ", "(.)"))
    return _DOMAIN.sub(lambda m: f"{m.group(1)}{style}{m.group(2)}", text)


def leetspeak(text: str, rng: random.Random) -> str:
    """Letters replaced by digits in about half the words (fr33 m0ney)."""
    return _WORD.sub(
        lambda m: "".join(LEET.get(c, c) for c in m.group(0)) if rng.random() < 0.5 else m.group(0),
        text,
    )


TRICKS: dict[str, Trick] = {
    "homoglyphs": homoglyphs,
    "zero_width": zero_width,
    "full_width": full_width,
    "spaced_letters": spaced_letters,
    "dotted_domains": dotted_domains,
    "leetspeak": leetspeak,
}


def obfuscate(text: str, trick: str, seed: int = 0) -> str:
    """``text`` rewritten by one named trick, reproducibly."""
    return TRICKS[trick](text, random.Random(f"{seed}:{trick}:{text}"))


def _interleave(word: str, mark: str) -> str:
    middle = len(word) // 2
    return word[:middle] + mark + word[middle:]


def _wide(word: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)
