"""Feature extraction: word and character n-gram TF-IDF over normalised text, and a
few dense signals (length, links, money, digits, shouting) scaled to match."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from winnow.config import ModelConfig
from winnow.ngrams import WORD_TOKEN_PATTERN, count_ngrams, counts_supported

SIGNAL_NAMES = ("length", "words", "links", "money", "contacts", "digits", "exclamations")
_DIGIT = re.compile(r"\d")


def build_features(params: ModelConfig) -> FeatureUnion:
    """Word n-grams catch phrasing ("is paying"), character n-grams catch
    misspelt and obfuscated variants ("pay1ng", "c a s h") the words miss, and
    the dense signals see what n-grams cannot count (how long, how many links)."""
    words = BatchTfidfVectorizer(
        analyzer="word",
        token_pattern=WORD_TOKEN_PATTERN,
        ngram_range=tuple(params.word_ngram_range),
        min_df=params.word_min_df,
        sublinear_tf=params.sublinear_tf,
        binary=params.word_binary,
        max_features=params.max_features,
        lowercase=False,
    )
    chars = BatchTfidfVectorizer(
        analyzer="char_wb",
        ngram_range=tuple(params.char_ngram_range),
        min_df=params.char_min_df,
        sublinear_tf=params.sublinear_tf,
        max_features=params.max_features,
        lowercase=False,
    )
    parts: list[tuple[str, object]] = [("words", words), ("chars", chars)]
    if params.signals:
        parts.append(("signals", TextSignals()))
    return FeatureUnion(parts)


class BatchTfidfVectorizer(TfidfVectorizer):
    """scikit-learn's ``TfidfVectorizer``, its n-grams counted a batch at a time.

    Only the counting differs (:func:`winnow.ngrams.count_ngrams`): the same
    vocabulary and count matrix come out, and scikit-learn's own code does the
    rest, so the fitted vectorizer and its rows are those of a plain
    ``TfidfVectorizer``. Training fits one per cross-validation fold, and plain
    counting was half of training's time. Options it does not reproduce (a custom
    analyzer, lowercasing...) fall back to scikit-learn's counting.
    """

    def _count_vocab(self, raw_documents: Iterable[Any], fixed_vocab: bool) -> tuple[dict, Any]:
        docs = list(raw_documents)
        if counts_supported(self):
            counted = count_ngrams(self, docs, self.vocabulary_ if fixed_vocab else None)
            if counted is not None:
                return counted
        return super()._count_vocab(docs, fixed_vocab)


def with_plain_vectorizers(pipeline: Pipeline) -> Pipeline:
    """The pipeline with scikit-learn's own ``TfidfVectorizer`` in place of each
    :class:`BatchTfidfVectorizer`, fitted state and all: the plain scikit-learn
    pipeline that tests and benchmarks compare with (same rows, slower)."""
    return Pipeline([(name, _plain(step)) for name, step in pipeline.steps])


def _plain(step: Any) -> Any:
    if isinstance(step, BatchTfidfVectorizer):
        plain = TfidfVectorizer.__new__(TfidfVectorizer)
        plain.__dict__.update(copy.deepcopy(vars(step)))
        return plain
    if isinstance(step, FeatureUnion):
        union = copy.copy(step)
        union.transformer_list = [(name, _plain(part)) for name, part in step.transformer_list]
        return union
    return step


def text_signals(text: str) -> list[float]:
    """The dense signals of one normalised text, in :data:`SIGNAL_NAMES` order.

    Entity markers (``zzurl``...) are added by normalisation, so links and money
    are counted however they were written. Counts are log-scaled so one comment
    with forty links cannot dominate the scale.
    """
    length = len(text) or 1
    return [
        math.log1p(len(text)),
        math.log1p(len(text.split())),
        math.log1p(text.count("zzurl")),
        math.log1p(text.count("zzmoney") + text.count("zzrate")),
        math.log1p(text.count("zzemail") + text.count("zzphone")),
        len(_DIGIT.findall(text)) / length,
        min(text.count("!"), 10) / 10,
    ]


class TextSignals(TransformerMixin, BaseEstimator):
    """Dense signals of normalised texts, standardised on the training data.

    Standardising puts them on the scale of the TF-IDF columns, so one
    regularisation strength suits both.
    """

    def fit(self, X: Iterable[str], y: object = None) -> TextSignals:
        raw = self._raw(X)
        spread = raw.std(axis=0)
        self.mean_ = raw.mean(axis=0)
        self.scale_ = np.where(spread > 0, spread, 1.0)
        return self

    def transform(self, X: Iterable[str]) -> csr_matrix:
        return csr_matrix((self._raw(X) - self.mean_) / self.scale_)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(SIGNAL_NAMES, dtype=object)

    @staticmethod
    def _raw(X: Iterable[str]) -> np.ndarray:
        rows = [text_signals(text) for text in X]
        return np.asarray(rows, dtype=float).reshape(-1, len(SIGNAL_NAMES))
