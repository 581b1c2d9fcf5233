"""Batch n-gram counting gives scikit-learn's vectorizers exactly: same vocabulary,
same matrices, same trained model."""

import re
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from conftest import TINY_HAM, TINY_SPAM
from winnow import kernels, ngrams
from winnow.config import ModelConfig
from winnow.features import WORD_TOKEN_PATTERN, BatchTfidfVectorizer, with_plain_vectorizers
from winnow.model import build_pipeline, coefficients
from winnow.ngrams import char_wb_ngrams
from winnow.normalize import normalize_texts

OPTIONS = [
    {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True},
    {"analyzer": "char_wb", "ngram_range": (1, 3)},
    {"analyzer": "char_wb", "ngram_range": (3, 7), "max_features": 3000, "norm": "l1"},
    {"analyzer": "word", "token_pattern": WORD_TOKEN_PATTERN, "ngram_range": (1, 2)},
    {"analyzer": "word", "ngram_range": (1, 3), "min_df": 2, "sublinear_tf": True},
    {"analyzer": "word", "token_pattern": r"\S+", "ngram_range": (2, 3), "max_df": 0.5},
    {"analyzer": "word", "ngram_range": (1, 1), "binary": True, "use_idf": False},
]


def assert_same_matrix(got, expected) -> None:
    assert type(got) is type(expected)
    assert got.shape == expected.shape
    assert got.indices.dtype == expected.indices.dtype
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)  # bit for bit


def assert_same_vectorizers(batch, plain, fit_on, then) -> None:
    assert_same_matrix(batch.fit_transform(fit_on), plain.fit_transform(fit_on))
    assert batch.vocabulary_ == plain.vocabulary_
    assert list(batch.vocabulary_) == list(plain.vocabulary_)  # same order too
    if plain.use_idf:
        assert np.array_equal(batch.idf_, plain.idf_)
    assert_same_matrix(batch.transform(then), plain.transform(then))


@pytest.fixture(scope="module")
def normalised(varied_texts) -> list[str]:
    return normalize_texts(varied_texts)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"{o['analyzer']}{o['ngram_range']}")
def test_counts_are_scikit_learns(normalised, options):
    assert len(normalised) > 3000
    half = len(normalised) // 2
    options = {"lowercase": False, **options}
    batch, plain = BatchTfidfVectorizer(**options), TfidfVectorizer(**options)
    assert_same_vectorizers(batch, plain, normalised[:half], normalised[half:])


@pytest.mark.parametrize("size", [1, 5, ngrams.FEW_DOCS - 1, ngrams.FEW_DOCS])
def test_a_few_documents_tokenised_one_by_one_count_the_same(normalised, size):
    options = {"analyzer": "word", "token_pattern": WORD_TOKEN_PATTERN, "ngram_range": (1, 2)}
    batch, plain = BatchTfidfVectorizer(lowercase=False, **options), TfidfVectorizer(**options)
    plain.set_params(lowercase=False)
    assert_same_vectorizers(batch, plain, normalised[:2000], normalised[2000 : 2000 + size])


def test_raw_unicode_with_odd_whitespace_counts_the_same(varied_texts):
    options = {"analyzer": "char_wb", "ngram_range": (1, 4), "lowercase": False}
    batch, plain = BatchTfidfVectorizer(**options), TfidfVectorizer(**options)
    assert_same_vectorizers(batch, plain, varied_texts[::2], varied_texts[1::2])


def test_the_compiled_word_split_is_str_split(varied_texts, monkeypatch):
    assert len(varied_texts) >= ngrams.FEW_DOCS
    compiled = ngrams.Words.of(varied_texts)
    monkeypatch.setattr(ngrams, "compiled_kernels", lambda: None)
    plain = ngrams.Words.of(varied_texts)
    assert compiled.distinct == plain.distinct
    assert np.array_equal(compiled.ids, plain.ids)
    assert np.array_equal(compiled.per_doc, plain.per_doc)


@pytest.mark.parametrize("docs", [[], [""] * 20, [" \t "] * 20, ["a"] * 20])
def test_the_compiled_word_split_takes_empty_batches_and_texts(docs):
    distinct, ids, per_doc = kernels.split_words(docs)
    assert distinct == sorted({w for d in docs for w in d.split()})
    assert ids.tolist() == [0] * sum(len(d.split()) for d in docs)
    assert per_doc.tolist() == [len(d.split()) for d in docs]


def test_the_kernels_know_every_whitespace_code_point():
    every = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    classes = kernels.char_classes()
    assert np.flatnonzero(classes & kernels.WS).tolist() == every
    assert every[-1] == kernels.LAST_SPACE


def test_the_kernels_know_every_word_and_decimal_code_point():
    classes = kernels.token_classes()
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    word = [c for c, char in enumerate(every) if re.fullmatch(r"\w", char)]
    decimal = [c for c, char in enumerate(every) if re.fullmatch(r"\d", char)]
    assert np.flatnonzero(classes[:-1] & kernels.TOKEN_WORD).tolist() == word
    assert np.flatnonzero(classes[:-1] & kernels.TOKEN_DECIMAL).tolist() == decimal
    assert max(word[-1], decimal[-1]) <= kernels.LAST_WORD_POINT and classes[-1] == 0


TOKEN_TRAPS = [
    "$5 $$5 $ 5 $5.00 €12,50 £x ₹a1 $_ $٣٤ ٣٤ x$5",
    "don't 'quoted' end. a.b.c a,b,, ..ab.. a'b' _a_ __ a_b",
    "'a', 'ab', ab'. x1.2.3 3.14, v2.0.",
    "𝔣𝔯𝔢𝔢 móney 東京の記事 ²³ ⅻ x²",
    "a\x00b lone \ud800 surrogates\udfff",
]


def test_tokens_found_by_hand_are_the_token_patterns(varied_texts):
    """The compiled tokeniser finds re.findall's tokens and their vocabulary ids
    (tokens outside the vocabulary get 0)."""
    docs = normalize_texts(varied_texts[::3]) + varied_texts[1::7] + TOKEN_TRAPS
    found = [re.findall(WORD_TOKEN_PATTERN, doc) for doc in docs]
    units = sorted({t for tokens in found for t in tokens})[::2]  # half the tokens known
    ids = {unit: n + 1 for n, unit in enumerate(units)}
    _, points, ends = kernels.batch_points(docs)
    got, lengths = kernels.token_ids(
        points, ends, kernels.token_classes(), *kernels.unit_index(units)
    )
    assert lengths.tolist() == [len(tokens) for tokens in found]
    assert got.tolist() == [ids.get(t, 0) for tokens in found for t in tokens]


@pytest.mark.parametrize("word", ["a", "ab", "abc", "abcd", "abcdefgh", "😀x"])
def test_character_ngrams_of_a_word_follow_scikit_learn(word):
    analyze = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert char_wb_ngrams(word, 2, 5) == analyze(word)


def test_word_ngrams_too_long_for_a_key_are_counted_the_plain_way(normalised, monkeypatch):
    monkeypatch.setattr(ngrams, "KEY_BITS", 8)  # no token id pair fits
    options = {"analyzer": "word", "ngram_range": (1, 2), "lowercase": False}
    batch, plain = BatchTfidfVectorizer(**options), TfidfVectorizer(**options)
    assert ngrams.count_ngrams(batch, normalised[:50], None) is None
    assert_same_vectorizers(batch, plain, normalised[:500], normalised[500:900])


def test_options_it_does_not_reproduce_use_scikit_learns_counting(normalised):
    options = {"analyzer": "char_wb", "ngram_range": (2, 4), "lowercase": True}
    batch = BatchTfidfVectorizer(**options)
    assert not ngrams.counts_supported(batch)
    assert_same_vectorizers(
        batch, TfidfVectorizer(**options), normalised[:400], normalised[400:600]
    )


def test_an_empty_vocabulary_is_refused_as_scikit_learn_refuses_it():
    for analyzer, docs in (("word", ["", "  ", "a"]), ("char_wb", ["", " \t "])):
        with pytest.raises(ValueError) as plain:
            TfidfVectorizer(analyzer=analyzer).fit(docs)
        with pytest.raises(ValueError) as batch:
            BatchTfidfVectorizer(analyzer=analyzer).fit(docs)
        assert str(batch.value) == str(plain.value)
        assert str(batch.value) == "empty vocabulary; perhaps the documents only contain stop words"


def test_the_trained_model_is_the_one_plain_scikit_learn_trains(normalised):
    texts = TINY_SPAM * 3 + TINY_HAM * 3 + normalised[:300]
    labels = [1] * (3 * len(TINY_SPAM)) + [0] * (3 * len(TINY_HAM) + 300)
    batch = build_pipeline(ModelConfig(char_min_df=2))
    plain = with_plain_vectorizers(build_pipeline(ModelConfig(char_min_df=2)))
    assert not any(
        isinstance(part, BatchTfidfVectorizer)
        for _, part in plain.named_steps["features"].transformer_list
    )
    batch.fit(texts, labels)
    plain.fit(texts, labels)
    assert np.array_equal(coefficients(batch[-1]), coefficients(plain[-1]))
    assert np.array_equal(batch.predict_proba(normalised), plain.predict_proba(normalised))
