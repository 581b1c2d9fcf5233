"""Metrics, cross-validation and threshold choice.

The threshold is picked on out-of-fold scores, never on the scores of a model
that has seen the same comments, so the false-positive rate it promises holds
for comments the model has not seen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from winnow.corpus import HAM, SPAM
from winnow.errors import DataError, TrainingError

# Peak memory of one fit of the bundled recipe per character of its training text:
# about 126 bytes at 100,000 comments (benchmarks/bench_train.py), rounded up.
FIT_BYTES_PER_CHAR = 140
MEMINFO = Path("/proc/meminfo")


@dataclass
class OutOfFold:
    """Out-of-fold scores with the fold of each comment and the model that scored it.

    The fold models let a report explain a comment by a model that never saw it.
    """

    scores: np.ndarray
    fold_of: np.ndarray
    models: list[Pipeline]
    final: Pipeline | None = None  # fitted on every row, when asked for


@dataclass(frozen=True)
class Extra:
    """Rows that join every training part and are never held out or scored: another
    data set (the bundled corpus) behind the one being cross-validated."""

    texts: np.ndarray
    labels: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str], labels: Sequence[int], weight: float) -> Extra:
        """The rows, each with the same sample weight."""
        return cls(
            np.asarray(texts, dtype=object), np.asarray(labels), np.full(len(labels), weight)
        )

    @classmethod
    def of_frame(cls, frame: Any, weight: float) -> Extra:
        """The ``text`` and ``label`` rows of a labelled table, each at ``weight``."""
        return cls.of(frame["text"].tolist(), frame["label"].to_numpy(), weight)


def out_of_fold(
    pipeline: Pipeline,
    texts: Sequence[str],
    labels: Sequence[int],
    folds: int,
    seed: int,
    weights: Sequence[float] | None = None,
    keep_models: bool = True,
    jobs: int = 1,
    final: bool = False,
    extra: Extra | None = None,
) -> OutOfFold:
    """Stratified k-fold cross-validation that keeps each fold's fitted model.

    ``weights`` are per-comment sample weights of the classifier (moderators'
    feedback counts more than a corpus row). ``keep_models=False`` drops each fold
    model once it has scored its fold: callers that only want the scores (the
    harness, tuning) then hold fewer models. ``final`` also fits the pipeline on
    every row (:attr:`OutOfFold.final`). ``extra`` rows join every training part
    (and the final fit) without being held out. All fits run as one set of ``jobs`` worker
    processes, the final fit (the largest) first, so that on two cores six fits
    take the time of about three.
    """
    x, y = np.asarray(texts, dtype=object), np.asarray(labels)
    w = None if weights is None else np.asarray(weights)
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y))
    if final:
        splits.insert(0, (np.arange(len(y)), np.zeros(0, dtype=int)))
    fitted = in_jobs(
        [
            delayed(_fit_and_score)(pipeline, x, y, w, train, held, keep_models, extra)
            for train, held in splits
        ],
        affordable_jobs(jobs, texts if extra is None else [*texts, *extra.texts]),
    )
    result = OutOfFold(np.zeros(len(y)), np.zeros(len(y), dtype=int), [])
    result.final = fitted.pop(0)[0] if final else None
    for fold, ((_, held), (model, scores)) in enumerate(zip(splits[-folds:], fitted, strict=True)):
        result.scores[held], result.fold_of[held] = scores, fold
        if keep_models:
            result.models.append(model)
    return result


def affordable_jobs(jobs: int, texts: Sequence[str]) -> int:
    """``jobs``, or fewer where the available memory holds fewer fits at once: a
    million comments take most of this machine's memory for one fit, and a worker
    that runs out is killed, losing the whole run."""
    available = available_memory()
    if available is None or jobs <= 1:
        return jobs
    one_fit = FIT_BYTES_PER_CHAR * sum(map(len, texts))
    return max(1, min(jobs, available // max(one_fit, 1)))


def available_memory() -> int | None:
    """Bytes of memory available to new work (Linux's ``MemAvailable``), or None where
    the system does not say."""
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def in_jobs(tasks: list[Any], jobs: int) -> list[Any]:
    """The results of joblib ``delayed`` tasks, run in ``jobs`` worker processes (in
    this one when ``jobs`` is 1). A worker the system kills (out of memory) is a
    :class:`TrainingError`, not joblib's traceback."""
    try:
        return Parallel(n_jobs=jobs)(tasks)
    except BrokenProcessPool:
        raise TrainingError(
            f"a worker process fitting a fold died (out of memory?); retry with fewer "
            f"jobs than {jobs}"
        ) from None


def _fit_and_score(
    pipeline: Pipeline,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    train: np.ndarray,
    held: np.ndarray,
    keep_model: bool,
    extra: Extra | None = None,
) -> tuple[Pipeline | None, np.ndarray]:
    """A clone of ``pipeline`` fitted on the ``train`` rows (and the ``extra`` rows),
    and its spam scores of the ``held`` rows (the model itself is returned only when
    it is wanted or nothing was held out)."""
    model = fit_with_extra(
        clone(pipeline), x[train], y[train], None if w is None else w[train], extra
    )
    scores = np.zeros(0)
    if len(held):
        scores = spam_scores(model, x[held])
    return (model if keep_model or not len(held) else None), scores


def spam_scores(pipeline: Pipeline, texts: Sequence[str]) -> np.ndarray:
    """A fitted pipeline's spam probability of each text."""
    return pipeline.predict_proba(texts)[:, list(pipeline.classes_).index(SPAM)]


def fit_with_extra(
    pipeline: Pipeline,
    texts: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None,
    extra: Extra | None,
) -> Pipeline:
    """``pipeline`` fitted on the rows and the ``extra`` rows, with their sample weights
    (1 for the rows when they have none)."""
    if extra is not None:
        weights = np.ones(len(labels)) if weights is None else weights
        texts = np.concatenate([texts, extra.texts])
        labels = np.concatenate([labels, extra.labels])
        weights = np.concatenate([weights, extra.weights])
    params = {} if weights is None else {"classifier__sample_weight": weights}
    return pipeline.fit(texts, labels, **params)


def cross_validated_scores(
    pipeline: Pipeline,
    texts: Sequence[str],
    labels: Sequence[int],
    folds: int,
    seed: int,
    weights: Sequence[float] | None = None,
    jobs: int = 1,
    extra: Extra | None = None,
) -> np.ndarray:
    """Out-of-fold spam probabilities from stratified k-fold cross-validation
    (``extra`` rows join every training part)."""
    return out_of_fold(
        pipeline, texts, labels, folds, seed, weights, False, jobs, extra=extra
    ).scores


def rows_needed(folds: int | None, calibration_folds: int | None) -> int:
    """Fewest comments of each class that ``folds``-fold CV (None: one fit on all the
    rows) of a pipeline calibrated on ``calibration_folds`` folds can be run with.

    Every training part must still hold ``calibration_folds`` of each class, and a
    stratified held-out fold takes up to ``ceil(n / folds)`` of them.
    """
    n = max(folds or 1, calibration_folds or 1)
    while folds and calibration_folds and n - math.ceil(n / folds) < calibration_folds:
        n += 1
    return n


def check_enough_rows(labels: Sequence[int], folds: int | None, params: Any, where: str) -> None:
    """Refuse, naming the data, what scikit-learn would refuse with a traceback."""
    calibration = None if params.calibration == "none" else params.calibration_folds
    needed = rows_needed(folds, calibration)
    spam, ham = int(np.sum(np.asarray(labels) == SPAM)), int(np.sum(np.asarray(labels) == HAM))
    if min(spam, ham) < needed:
        scheme = f"{folds}-fold cross-validation" if folds else "training"
        if calibration:
            scheme += f" with calibration on {calibration} folds"
        raise DataError(
            where,
            f"{scheme} needs at least {needed} spam and {needed} ham comments "
            f"(found {spam} spam, {ham} ham)",
        )


def threshold_for_fpr(labels: Sequence[int], scores: Sequence[float], target_fpr: float) -> float:
    """The lowest threshold whose false-positive rate on ham stays within ``target_fpr``.

    A comment is spam when its score is at or above the threshold, so the
    threshold sits just above the highest ham score that must not be flagged.
    """
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=float)
    ham = np.sort(scores[labels == HAM])[::-1]
    allowed = int(np.floor(target_fpr * len(ham)))
    if allowed >= len(ham):
        return float(scores.min())
    return float(min(np.nextafter(ham[allowed], np.inf), 1.0))


def recall_at_fpr(labels: Sequence[int], scores: Sequence[float], target_fpr: float) -> float:
    """Share of spam caught when at most ``target_fpr`` of ham may be flagged."""
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=float)
    threshold = threshold_for_fpr(labels, scores, target_fpr)
    return float(np.mean(scores[labels == SPAM] >= threshold))


def classification_metrics(
    labels: Sequence[int], scores: Sequence[float], threshold: float
) -> dict[str, Any]:
    """Accuracy, precision, recall, F1, MCC, ROC-AUC, PR-AUC and recall at 1 % FPR."""
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    predicted = (s >= threshold).astype(int)
    both = len(set(y.tolist())) == 2
    metrics = {
        "rows": len(y),
        "spam": int(y.sum()),
        "accuracy": accuracy_score(y, predicted),
        "precision": precision_score(y, predicted, zero_division=0),
        "recall": recall_score(y, predicted, zero_division=0),
        "f1": f1_score(y, predicted, zero_division=0),
        "mcc": matthews_corrcoef(y, predicted) if both else None,
        "roc_auc": roc_auc_score(y, s) if both else None,
        "pr_auc": average_precision_score(y, s) if both else None,
        "recall_at_1pct_fpr": recall_at_fpr(y, s, 0.01) if both else None,
        "recall_at_0.1pct_fpr": recall_at_fpr(y, s, 0.001) if both else None,
        "ece": expected_calibration_error(y, s),
        "false_positive_rate": float(np.mean(predicted[y == HAM])) if (y == HAM).any() else None,
        "threshold": threshold,
    }
    return {
        k: (round(float(v), 4) if isinstance(v, float | np.floating) else v)
        for k, v in metrics.items()
    }


def expected_calibration_error(
    labels: Sequence[int], scores: Sequence[float], bins: int = 10
) -> float:
    """How far predicted spam probabilities are from observed spam rates.

    Scores fall into ``bins`` equal-width bins; each bin's |mean score - spam
    share| counts in proportion to its size. 0 is perfectly calibrated.
    """
    y, s = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float)
    if len(y) == 0:
        return 0.0
    which = np.minimum((s * bins).astype(int), bins - 1)
    gap = 0.0
    for b in np.unique(which):
        members = which == b
        gap += members.sum() * abs(s[members].mean() - y[members].mean())
    return float(gap / len(y))


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def comment_counts(annotated: Any, segments: Sequence[Any]) -> tuple[int, int, int]:
    """(true positives, predicted, actual) comment items on one annotated page.

    Text pages count lines; HTML pages count comment units, matched by text.
    """
    if annotated.page.is_html:
        truth = [
            " ".join(t.split()) for kind, _, t in annotated.element_labels if kind == "comment"
        ]
        found = [" ".join(s.text.split()) for s in segments if s.kind == "comment"]
        hits = sum(any(_same_text(f, t) for t in truth) for f in found)
        return hits, len(found), len(truth)
    truth_lines = {i for i, kind in enumerate(annotated.line_kinds()) if kind == "comment"}
    numbers = [n for n, label in enumerate(annotated.line_labels, start=1) if label is not None]
    index = {n: i for i, n in enumerate(numbers)}
    found_lines = {index[n] for s in segments if s.kind == "comment" for n in s.lines}
    return len(truth_lines & found_lines), len(found_lines), len(truth_lines)


def _same_text(a: str, b: str) -> bool:
    import difflib

    return a == b or difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio() >= 0.9


def leave_one_template_out(
    pages: Sequence[Any], make_segmenter: Any, jobs: int = 1
) -> dict[str, dict[str, Any]]:
    """Comment precision and recall per site template, training on the other templates.

    ``make_segmenter()`` returns an unfitted :class:`~winnow.segment.PageSegmenter`;
    ``jobs`` > 1 fits that many at once, in worker processes.
    """
    templates = sorted({p.template for p in pages})
    counted = in_jobs(
        [delayed(_template_counts)(pages, template, make_segmenter) for template in templates],
        jobs,
    )
    report = {t: _precision_recall(c) for t, c in zip(templates, counted, strict=True)}
    report["all"] = _precision_recall(np.sum(counted, axis=0, dtype=int))
    return report


def _template_counts(pages: Sequence[Any], template: str, make_segmenter: Any) -> np.ndarray:
    """(right, found, actual) comment counts on one template's pages, by a segmenter
    trained on every other template's."""
    from winnow.segment import segment_page

    train = [p for p in pages if p.template != template]
    segmenter = make_segmenter().fit([p.lines_text for p in train], [p.line_kinds() for p in train])
    counts = np.zeros(3, dtype=int)
    for page in (p for p in pages if p.template == template):
        counts += comment_counts(page, segment_page(segmenter, page.page))
    return counts


def _precision_recall(counts: np.ndarray) -> dict[str, Any]:
    hits, found, actual = (int(c) for c in counts)
    return {
        "precision": _ratio(hits, found),
        "recall": _ratio(hits, actual),
        "found": found,
        "actual": actual,
    }
