"""Property tests: arbitrary input never escapes the library's documented errors.

Hypothesis generates arbitrary Unicode (control characters, lone surrogates,
combining marks), arbitrary bytes and awkward structure; each property says what
must hold for all of it. The default run is bounded (see ``PROFILE``); set
``HYPOTHESIS_PROFILE=fuzz`` for a long run.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winnow.akismet import AkismetRequestError, form_pairs, parse_form
from winnow.corpus import load_labelled
from winnow.errors import DataError
from winnow.normalize import TextNormalizer, normalize_text
from winnow.pages import Page, decode_page
from winnow.segment import KINDS, segment_page

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=400)
LINES = st.lists(ANY_TEXT, max_size=30).map("\n".join)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@given(ANY_TEXT)
def test_normalisation_accepts_any_text_and_removes_zero_width_marks(text):
    cleaned = normalize_text(text)
    assert isinstance(cleaned, str)
    assert not any(mark in cleaned for mark in ZERO_WIDTH)
    assert cleaned == cleaned.strip()


@given(st.lists(st.one_of(ANY_TEXT, st.none(), st.integers(), st.floats()), max_size=8))
def test_the_normaliser_turns_anything_that_is_not_text_into_empty_text(values):
    cleaned = TextNormalizer().fit_transform(values)
    assert len(cleaned) == len(values)
    for value, out in zip(values, cleaned, strict=True):
        assert out == (normalize_text(value) if isinstance(value, str) else "")


@given(st.binary(max_size=600), st.binary(max_size=200), st.one_of(st.none(), ANY_TEXT))
def test_akismet_forms_parse_or_are_refused_with_akismets_answer(body, query, content_type):
    try:
        fields = parse_form(body, query, content_type)
    except AkismetRequestError as error:
        assert error.body == "invalid"
        assert error.help
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())


# Separators, escapes good and bad (hex in either case), backslashes, other bytes.
FORM_PIECES = b"& = + % %2 %41 %zz %5C %5c %x4 \\ \\x4 \\0 a \xff".split(b" ")
FORM_BYTES = st.lists(st.sampled_from([*FORM_PIECES, b""])).map(b"".join)


@given(st.one_of(st.binary(max_size=300), FORM_BYTES))
def test_form_pairs_are_those_of_parse_qsl(data):
    expected = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in parse_qsl(data.decode("latin-1"), True, encoding="latin-1")
    ]
    assert list(form_pairs(data)) == expected


@given(st.binary(max_size=2000))
def test_page_bytes_decode_or_give_a_data_error(data):
    try:
        assert isinstance(decode_page(data, "page.txt"), str)
    except DataError as error:
        assert str(error).startswith("page.txt: ")


@settings(suppress_health_check=FIXTURES_OK)
@given(LINES, st.booleans())
def test_segments_of_any_page_are_well_formed(bundled_segmenter, text, is_html):
    segments = segment_page(bundled_segmenter, Page(text, is_html))
    lines = text.count("\n") + 1
    for segment in segments:
        assert segment.kind in KINDS
        assert 0.0 <= segment.confidence <= 1.0
        json.dumps(segment.as_dict())
        if segment.line_start is not None:
            assert 1 <= segment.line_start <= segment.line_end <= lines


@settings(suppress_health_check=FIXTURES_OK, max_examples=40)
@given(
    st.sampled_from([".jsonl", ".csv"]),
    st.one_of(
        st.binary(max_size=600),
        st.lists(
            st.dictionaries(
                st.sampled_from(["text", "label", "source", "x"]),
                st.one_of(ANY_TEXT, st.integers(), st.none(), st.lists(st.integers())),
            ),
            max_size=5,
        ).map(lambda rows: "\n".join(json.dumps(r) for r in rows).encode("utf-8", "surrogatepass")),
    ),
)
def test_labelled_files_load_or_give_a_data_error_naming_the_file(suffix, content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_bytes(content)
        try:
            frame = load_labelled(path)
        except DataError as error:
            assert str(error).startswith(str(path))
            return
        assert set(frame["label"].unique()) <= {0, 1}
        assert frame["text"].map(lambda t: isinstance(t, str)).all()


@settings(suppress_health_check=FIXTURES_OK, max_examples=30)
@given(st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_the_model_scores_any_text_with_a_probability(bundled_model, texts):
    scores = bundled_model.predict_proba(texts)
    assert scores.shape == (len(texts),)
    assert np.all((scores >= 0) & (scores <= 1))
