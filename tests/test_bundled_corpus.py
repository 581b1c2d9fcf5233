"""The team's own labelled corpus under training/data/: schema, balance, variety, no duplicates."""

import json
import re
import unicodedata
from collections import Counter

import pytest

from conftest import ROOT

CORPUS = ROOT / "training" / "data" / "comments.jsonl"
REQUIRED = {"text", "label"}
OPTIONAL = {"author", "author_url", "author_email", "source", "family"}
SPAM_FAMILIES = {
    "work_from_home",
    "crypto_investment",
    "casino_betting",
    "loans",
    "pharma",
    "seo_link",
    "dating_adult",
    "self_promotion",
    "phishing_giveaway",
    "recovery_hacker",
    "spell_caster",
    "obfuscated_link",
    "on_topic_opener",
    "non_english",
}
HAM_FAMILIES = {
    "discussion",
    "money_talk",
    "news_link",
    "quote",
    "rude",
    "short",
    "enthusiast",
    "non_english",
}


@pytest.fixture(scope="module")
def rows():
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_every_row_follows_the_schema(rows):
    for number, row in enumerate(rows, start=1):
        assert REQUIRED <= set(row) <= REQUIRED | OPTIONAL, f"line {number}: keys {sorted(row)}"
        assert row["label"] in {"spam", "ham"}, f"line {number}"
        assert all(isinstance(v, str) and v.strip() for v in row.values()), f"line {number}"


def test_size_and_spam_share(rows):
    spam = sum(row["label"] == "spam" for row in rows)
    assert len(rows) >= 600
    assert 0.35 <= spam / len(rows) <= 0.50


def test_families_cover_the_spam_and_ham_kinds(rows):
    spam = Counter(r["family"] for r in rows if r["label"] == "spam")
    ham = Counter(r["family"] for r in rows if r["label"] == "ham")
    assert set(spam) == SPAM_FAMILIES and min(spam.values()) >= 15
    assert set(ham) == HAM_FAMILIES and min(ham.values()) >= 10


def canonical(text: str) -> str:
    """Text with case, accents of width, punctuation and spacing folded away."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", folded).strip()


def test_no_duplicate_or_near_identical_texts(rows):
    exact = Counter(r["text"] for r in rows)
    assert [t for t, n in exact.items() if n > 1] == []
    folded = Counter(canonical(r["text"]) for r in rows)
    assert [t for t, n in folded.items() if n > 1 and t] == []


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def test_no_template_stamped_near_duplicates(rows):
    """No two comments share half of their three-word sequences."""
    sets = [(row["text"], shingles(row["text"])) for row in rows]
    sets = [(text, s) for text, s in sets if len(s) >= 3]
    close = [
        (a[:60], b[:60])
        for i, (a, sa) in enumerate(sets)
        for b, sb in sets[i + 1 :]
        if len(sa & sb) >= 0.5 * len(sa | sb)
    ]
    assert close == []
