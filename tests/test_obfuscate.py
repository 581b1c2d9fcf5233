"""Obfuscation tricks: each changes spam the way spammers do, reproducibly."""

from __future__ import annotations

import pandas as pd
import pytest

from winnow.config import ModelConfig
from winnow.harness import obfuscation_recall
from winnow.normalize import TextNormalizer
from winnow.obfuscate import TRICKS, ZERO_WIDTH, obfuscate

SPAM = "Google is paying $95 an hour from home, visit cashnow247.com and start today"


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_each_trick_changes_the_text_the_same_way_every_time(trick):
    rewritten = obfuscate(SPAM, trick, seed=1)
    assert rewritten != SPAM
    assert rewritten == obfuscate(SPAM, trick, seed=1)


def test_tricks_do_what_they_say():
    dotted = obfuscate(SPAM, "dotted_domains", seed=3)
    assert "cashnow247.com" not in dotted
    assert any(f"cashnow247{style}com" in dotted for style in ("[dot]", " dot ", " . ", "(.)"))
    assert any(mark in obfuscate(SPAM, "zero_width") for mark in ZERO_WIDTH)
    assert "c a s h n o w" in obfuscate(SPAM, "spaced_letters")
    assert any(ord(c) > 0xFF00 for c in obfuscate(SPAM, "full_width", seed=2))
    assert any(c in "4310" for c in obfuscate(SPAM, "leetspeak").split("$95")[0])


@pytest.mark.parametrize("trick", ["homoglyphs", "zero_width", "full_width"])
def test_the_normaliser_undoes_character_tricks(trick):
    clean = TextNormalizer().transform([SPAM])[0]
    assert TextNormalizer().transform([obfuscate(SPAM, trick)])[0] == clean


def test_obfuscation_recall_reports_originals_and_every_trick(tiny_corpus):
    texts, labels = tiny_corpus
    report = obfuscation_recall(
        ModelConfig(char_min_df=1), pd.DataFrame({"text": texts, "label": labels}), folds=3
    )
    assert set(report["recall"]) == {"original", *TRICKS}
    assert all(0 <= r <= 1 for r in report["recall"].values())
