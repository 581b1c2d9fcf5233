import numpy as np
import pytest
from sklearn.base import clone

from winnow.normalize import (
    TextNormalizer,
    deobfuscate,
    fold_characters,
    normalize_text,
    strip_html,
)


def test_strip_html_keeps_link_targets_and_line_breaks():
    raw = 'Nice<br />see <a href="http://spam.example.com/x">here</a> it&#39;s &quot;free&quot;'
    assert strip_html(raw) == 'Nice\nsee  http://spam.example.com/x here  it\'s "free"'


def test_fold_characters_undoes_full_width_zero_width_and_mixed_scripts():
    assert fold_characters("ｗｗｗ．ｃａｓｈ") == "www.cash"
    assert fold_characters("fr\u200bee mo\u200dney") == "free money"
    assert fold_characters("pаypal") == "paypal"  # Cyrillic а inside a Latin word
    assert fold_characters("Россия") == "россия"  # a Cyrillic word stays Cyrillic


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("w w w . e a r n . c o m", "www.earn.com"),
        ("quickcash[dot]net", "quickcash.net"),
        ("quickcash (dot) net", "quickcash.net"),
        ("quickcash dot com", "quickcash.com"),
        ("g00gle pays fr33 c4sh", "google pays free cash"),
    ],
)
def test_deobfuscate(raw, plain):
    assert deobfuscate(raw) == plain


def test_deobfuscate_leaves_ordinary_numbers_and_words_alone():
    assert (
        deobfuscate("covid19 cases in 2024, the g7 and mp3 files")
        == "covid19 cases in 2024, the g7 and mp3 files"
    )


def test_normalize_text_marks_links_money_rates_phones_and_emails():
    text = normalize_text(
        "Google pays $192 per hour! Mail jo@mail.com or call +1 (555) 0143 9999, "
        "see w w w . c a s h w o r k . c o m"
    )
    assert "$192 zzmoney" in text
    assert "per hour zzrate" in text
    assert "jo@mail.com zzemail" in text
    assert "zzphone" in text and "0143" not in text
    assert "cashwork com zzurl" in text


@pytest.mark.parametrize(
    ("link", "words"),
    [
        ("cashwork24.com", "cashwork24 com zzurl"),
        ("www.cash-work.net/", "cash work net zzurl"),
        ("https://cashwork.com", "cashwork com zzhttp zzurl"),
        ("cashwork.com/join?ref=7", "cashwork com zzpath zzurl"),
        ("https://www.who.int/news-room/fact-sheets", "who int zzpath zzhttp zzurl"),
        ("https://ru.example.org/статья", "ru example org zzpath zzhttp zzurl"),
    ],
)
def test_links_say_whether_they_point_to_a_page_and_carry_their_scheme(link, words):
    assert normalize_text(f"see {link} now") == f"see {words} now"


def test_text_normalizer_is_a_stateless_estimator():
    normalizer = TextNormalizer()
    assert normalizer.fit(["a"]) is normalizer
    out = clone(normalizer).transform(["Hello  WORLD", None])
    assert isinstance(out, np.ndarray)
    assert out.tolist() == ["hello world", ""]
