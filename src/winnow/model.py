"""The spam model: a scikit-learn ``Pipeline`` and the decision threshold chosen for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from winnow.compiled import compiled_kernels
from winnow.config import ModelConfig
from winnow.corpus import LABEL_NAMES, SPAM
from winnow.fastscore import PROBE_TEXTS, FastScorer, Prepared, Row, Rows, Texts, check_scorer
from winnow.features import build_features
from winnow.normalize import LENGTH_EDGES, LENGTH_WORDS, TextNormalizer

SOLVER_SEED = 0
Label = tuple[str, str]  # a reason's kind and readable n-gram


def build_pipeline(params: ModelConfig) -> Pipeline:
    """Normalisation, n-gram features and logistic regression, in one estimator.

    Cleaning lives inside the pipeline so that serving can never skip or change it.
    The regression is solved in its dual (liblinear's coordinate descent, which its
    authors advise for sparse text): the same optimum as the primal solver, within
    its tolerance, in about half the time; a fixed seed for the order it visits the
    comments in makes every fit repeatable.
    """
    classifier = LogisticRegression(
        C=params.C,
        class_weight=params.class_weight,
        max_iter=params.max_iter,
        solver="liblinear",
        dual=True,
        random_state=SOLVER_SEED,
    )
    return Pipeline(
        [
            ("normalize", TextNormalizer()),
            ("features", build_features(params)),
            ("classifier", _calibrated(classifier, params)),
        ]
    )


def _calibrated(classifier: LogisticRegression, params: ModelConfig) -> Any:
    """Logistic regression with its probabilities calibrated on held-out folds.

    Regularisation and class weights leave the raw probabilities under- or
    over-confident; a sigmoid (or isotonic) map fitted on cross-validated scores
    makes a 0.8 mean spam about 80 % of the time. ``ensemble=False`` keeps one
    regression fitted on all the data, whose coefficients explain the scores
    (the map is monotone, so it changes no ranking and no explanation).
    """
    if params.calibration == "none":
        return classifier
    return CalibratedClassifierCV(
        classifier, method=params.calibration, cv=params.calibration_folds, ensemble=False
    )


def coefficients(classifier: Any) -> np.ndarray:
    """The logistic regression's weights, whether or not it is wrapped in a calibration."""
    if hasattr(classifier, "calibrated_classifiers_"):
        classifier = classifier.calibrated_classifiers_[0].estimator
    return classifier.coef_[0]


@dataclass
class SpamModel:
    """A fitted pipeline with its threshold and metadata, ready to score comments.

    Scoring goes through ``scorer``, the pipeline compiled for speed
    (:mod:`winnow.fastscore`): the same feature rows and probabilities as the
    pipeline's own ``predict_proba``, many times faster. A model built without one
    compiles it on first use.
    """

    pipeline: Pipeline
    threshold: float
    version: str = "unversioned"
    metadata: dict[str, Any] = field(default_factory=dict)
    scorer: FastScorer | None = field(default=None, repr=False)
    _feature_names: np.ndarray | None = field(default=None, init=False, repr=False)
    _coef: np.ndarray | None = field(default=None, init=False, repr=False)
    _label_table: tuple[np.ndarray, list[Label]] | None = field(
        default=None, init=False, repr=False
    )

    def warm(self) -> SpamModel:
        """The model, with what its first check would otherwise work out done now: the
        compiled scorer, the reasons' labels and their kernels (a server loads it so)."""
        self.explain_each(PROBE_TEXTS)
        return self

    def fast(self) -> FastScorer:
        """The compiled scorer (compiled and checked against the pipeline on first use)."""
        if self.scorer is None:
            self.scorer = check_scorer(FastScorer.compile(self.pipeline))
        return self.scorer

    def prepare(self, texts: Sequence[str]) -> Prepared:
        """The texts cleaned as the pipeline cleans them, for :meth:`predict_proba` and
        :meth:`explained` of the same comments."""
        return Prepared(self.fast().prepare(texts))

    def predict_proba(self, texts: Texts) -> np.ndarray:
        """Spam probability of each text, between 0 and 1."""
        if len(texts) == 0:
            return np.zeros(0)
        return self._spam(self.fast().probabilities(texts))

    def predict(self, texts: Texts) -> list[str]:
        """``spam`` or ``ham`` for each text, at the model's threshold."""
        return [label_for(p, self.threshold) for p in self.predict_proba(texts)]

    def features(self, texts: Texts) -> csr_matrix:
        """The feature rows of ``texts`` (the pipeline's, up to its classifier):
        computed once, then scored and explained."""
        return self.fast().features(texts)

    def explained(self, texts: Texts) -> tuple[np.ndarray, list[Row]]:
        """Spam probabilities and each text's feature row as (columns, values), ready
        for :meth:`reasons_for`: cheaper than :meth:`features` for a few comments."""
        second, rows = self.fast().explained(texts)
        return self._spam(second), rows

    def proba_of(self, rows: csr_matrix) -> np.ndarray:
        """Spam probabilities of feature rows from :meth:`features`."""
        return self._spam(self.fast().proba(rows))

    def _spam(self, second: np.ndarray) -> np.ndarray:
        """Spam probabilities from the probabilities of ``classes_[1]``."""
        return second if self._spam_is_second else 1.0 - second

    @cached_property
    def _spam_is_second(self) -> bool:
        """Whether spam is ``classes_[1]`` (asked once: a pipeline's ``classes_`` is a
        chain of look-ups)."""
        return list(self.pipeline.classes_).index(SPAM) == 1

    def explain(self, text: str, top: int = 5) -> list[dict[str, Any]]:
        """The n-grams of ``text`` that pushed its score most towards its verdict."""
        return self.explain_each([text], top)[0]

    def explain_each(self, texts: Texts, top: int = 5) -> list[list[dict[str, Any]]]:
        """:meth:`explain` of every text, from feature rows built once for the batch."""
        probabilities, rows = self.explained(texts)
        spam = [label_for(p, self.threshold) == "spam" for p in probabilities]
        return self.reasons_each(rows, range(len(rows)), spam, top)

    def reasons_of(self, row: csr_matrix, spam: bool, top: int = 5) -> list[dict[str, Any]]:
        """The n-grams of one feature row that pushed most towards spam (or towards ham)."""
        return self.reasons_for((row.indices, row.data), spam, top)

    def reasons_for(self, row: Row, spam: bool, top: int = 5) -> list[dict[str, Any]]:
        """:meth:`reasons_of` a row given as (columns, values): its strongest entries
        pushing that way, strongest first (ties in row order), one per label."""
        columns, values = row
        weights = values * self._coefficients()[columns]
        pushing = np.flatnonzero(weights > 0 if spam else weights < 0)
        strength = -weights[pushing] if spam else weights[pushing]
        order = pushing[np.argsort(strength, kind="stable")]  # ties: in row order
        label_ids, labels = self._labels()
        reasons: dict[Label, dict[str, Any]] = {}
        for i in order.tolist():
            label_id = label_ids[columns[i]]
            label = labels[label_id] if label_id >= 0 else None
            if label is not None and label not in reasons:
                reasons[label] = _reason_of(label, float(weights[i]), float(values[i]))
                if len(reasons) == top:
                    break
        return list(reasons.values())

    def reasons_each(
        self, rows: Sequence[Row], at: Sequence[int], spam: Sequence[bool], top: int = 5
    ) -> list[list[dict[str, Any]]]:
        """:meth:`reasons_for` of each ``rows[at[j]]``, towards spam where ``spam[j]``:
        for the compiled scorer's rows, the entries are picked by one kernel call for
        all (the same picks)."""
        kernels = compiled_kernels()
        if not isinstance(rows, Rows) or kernels is None or not len(at):
            return [self.reasons_for(rows[i], s, top) for i, s in zip(at, spam, strict=True)]
        label_ids, labels = self._labels()
        found, counts = kernels.top_entries(
            rows.bounds, rows.products, rows.columns, label_ids, list(at), list(spam), top
        )
        picked = (label_ids[rows.columns[found]], rows.products[found], rows.values[found])
        entries = iter(zip(*(array.tolist() for array in picked), strict=True))
        return [
            [
                _reason_of(labels[label], product, value)
                for label, product, value in islice(entries, n)
            ]
            for n in counts.tolist()
        ]

    def _labels(self) -> tuple[np.ndarray, list[Label]]:
        """Each column's reason label as an index into the distinct labels (-1 for a
        column that gives none), worked out for every column once."""
        if self._label_table is None:
            every = [_label(str(name)) for name in self._names()]
            distinct = list(dict.fromkeys(label for label in every if label is not None))
            index = {label: i for i, label in enumerate(distinct)}
            ids = np.fromiter((-1 if x is None else index[x] for x in every), np.int64, len(every))
            self._label_table = (ids, distinct)
        return self._label_table

    def _coefficients(self) -> np.ndarray:
        if self._coef is None:
            self._coef = coefficients(self.pipeline[-1])
        return self._coef

    def _names(self) -> np.ndarray:
        if self._feature_names is None:
            self._feature_names = self.pipeline.named_steps["features"].get_feature_names_out()
        return self._feature_names


def _length_names() -> dict[str, str]:
    """The length words' readable names: ``zzlen20`` is ``<20-39 characters>``."""
    bands = zip((0, *LENGTH_EDGES), (*LENGTH_EDGES, None), strict=True)
    return {
        word: f"<{low}+ characters>" if high is None else f"<{low}-{high - 1} characters>"
        for word, (low, high) in zip(LENGTH_WORDS, bands, strict=True)
    }


MARKER_NAMES = {
    "zzurl": "<link>",
    "zzpath": "<link to a page>",
    "zzhttp": "<full web address>",
    "zzofficial": "<public body's site>",
    "zzsource": "<news or reference site>",
    "zzanchor": "<link under other words>",
    "zzemail": "<e-mail>",
    "zzhandle": "<@handle>",
    "zzreply": "<reply to @someone>",
    "zzphone": "<phone number>",
    "zzmoney": "<money amount>",
    "zzrate": "<pay rate>",
    "zzmine": "<own channel, page...>",
    "zzcall": "<call to act>",
    **_length_names(),
}


def _reason(name: str, weight: float, value: float) -> dict[str, Any] | None:
    """A readable reason, or None for a character n-gram cut from an entity marker."""
    label = _label(name)
    return None if label is None else _reason_of(label, weight, value)


def _label(name: str) -> tuple[str, str] | None:
    """A feature's kind and readable n-gram, or None for a character n-gram cut from
    an entity marker."""
    kind, _, ngram = name.partition("__")
    if kind == "signals":
        return "signal", ngram
    if kind != "words":
        return (kind.rstrip("s"), ngram.strip()) if not _inside_marker(ngram) else None
    return "word", " ".join(MARKER_NAMES.get(word, word) for word in ngram.split(" ") if word)


def _reason_of(label: tuple[str, str], weight: float, value: float) -> dict[str, Any]:
    """The reason a feature gives with this weight and value.

    A dense signal reads as its name and which way it departs from the training
    average ("links: high"), since a short comment and a long one share the column.
    """
    kind, ngram = label
    if kind == "signal":
        ngram = f"{ngram}: {'high' if value > 0 else 'low'}".strip()
    return {"ngram": ngram, "kind": kind, "weight": round(float(weight), 4)}


def _inside_marker(ngram: str) -> bool:
    """Whether a character n-gram is a piece of a marker word (``zzurl`` -> ``zur``, ``url ``)."""
    return any(ngram in f" {marker} " for marker in MARKER_NAMES) or "zz" in ngram


def label_for(probability: float, threshold: float) -> str:
    """The label a probability gets at a threshold (spam at or above it)."""
    return LABEL_NAMES[int(probability >= threshold)]
