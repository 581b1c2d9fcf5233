"""The evaluation harness: how well a model *recipe* does on comments it has not seen.

A recipe (the ``[model]`` parameters) is fitted and scored the same way every time:
repeated stratified k-fold cross-validation with fixed seeds, so every recipe compared
sees the same folds, and leave-one-source-out, which asks how a model does on a site
(or video) it was never trained on. Accuracy, F1 and MCC are read at ``threshold``
(0.5 by default); the threshold-free figures (ROC-AUC, PR-AUC, spam recall at 1 % and
0.1 % false-positive rate, expected calibration error) do not depend on it.

``extra`` rows (the bundled corpus, ``--with-corpus``) join every training part at the
recipe's ``corpus_weight`` and are never scored: the recipe then is "another data set
trained with the bundled corpus behind it", and only that data set's comments count.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from winnow.config import ModelConfig, TuningConfig
from winnow.errors import DataError
from winnow.evaluation import (
    Extra,
    check_enough_rows,
    classification_metrics,
    cross_validated_scores,
    fit_with_extra,
    spam_scores,
    threshold_for_fpr,
)
from winnow.model import build_pipeline
from winnow.obfuscate import TRICKS, obfuscate

DEFAULT_SEEDS = (0, 1, 2)


def repeated_cv(
    params: ModelConfig,
    data: pd.DataFrame,
    folds: int = 10,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    threshold: float = 0.5,
    where: str = "labelled data",
    jobs: int = 1,
    extra: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Stratified ``folds``-fold CV once per seed; metrics per seed, their mean and spread.
    ``jobs`` > 1 fits that many folds at once, in worker processes."""
    check_enough_rows(data["label"], folds, params, where)
    texts, labels = data["text"].tolist(), data["label"].to_numpy()
    behind = weighted(extra, params)
    runs = []
    for seed in seeds:
        pipeline = build_pipeline(params)
        scores = cross_validated_scores(
            pipeline, texts, labels, folds, seed, jobs=jobs, extra=behind
        )
        runs.append(
            {
                "seed": seed,
                "metrics": classification_metrics(labels, scores, threshold),
                "per_family": recall_per_family(data, scores, threshold),
            }
        )
    return {
        "scheme": f"stratified {folds}-fold CV, seeds {list(seeds)}" + _behind(behind),
        "rows": len(data),
        "runs": runs,
        "mean": mean_metrics([run["metrics"] for run in runs]),
        "std": std_metrics([run["metrics"] for run in runs]),
    }


def leave_one_source_out(
    params: ModelConfig,
    data: pd.DataFrame,
    extra: pd.DataFrame | None = None,
    threshold: float = 0.5,
    where: str = "labelled data",
) -> dict[str, Any]:
    """Train on every other source (plus ``extra`` rows), test on the one left out."""
    per_source: dict[str, Any] = {}
    behind = weighted(extra, params)
    for source in sources_of(data, where):
        held = data["source"] == source
        train = data[~held]
        texts = np.asarray(train["text"].tolist(), dtype=object)
        model = fit_with_extra(
            build_pipeline(params), texts, train["label"].to_numpy(), None, behind
        )
        scores = spam_scores(model, data.loc[held, "text"].tolist())
        per_source[str(source)] = classification_metrics(
            data.loc[held, "label"].to_numpy(), scores, threshold
        )
    return {
        "scheme": "leave one source out" + _behind(behind),
        "per_source": per_source,
        "mean": mean_metrics(list(per_source.values())),
    }


def weighted(extra: pd.DataFrame | None, params: ModelConfig) -> Extra | None:
    """The extra rows as every training part gets them, at ``params.corpus_weight``."""
    return None if extra is None else Extra.of_frame(extra, params.corpus_weight)


def _behind(extra: Extra | None) -> str:
    """How a scheme's name says that extra rows joined its training parts."""
    if extra is None:
        return ""
    return f" (+ {len(extra.labels)} corpus rows in training, weight {extra.weights[0]:g})"


def sources_of(data: pd.DataFrame, where: str) -> list[str]:
    """The sources to leave out in turn; every row needs one, and there must be two."""
    if "source" not in data or data["source"].isna().all():
        raise DataError(where, "no `source` column to leave out by")
    if data["source"].isna().any():
        raise DataError(where, f"{int(data['source'].isna().sum())} rows have no `source`")
    sources = sorted(map(str, data["source"].unique()))
    if len(sources) < 2:
        raise DataError(where, f"only one source ({sources[0]}): nothing to leave out")
    return sources


def obfuscation_recall(
    params: ModelConfig,
    data: pd.DataFrame,
    folds: int = 5,
    seed: int = 0,
    target_fpr: float = 0.01,
    where: str = "labelled data",
) -> dict[str, Any]:
    """Spam recall on held-out spam, as written and as rewritten by each obfuscation trick.

    Each fold's model scores its held-out comments and the obfuscated versions of
    its held-out spam; the threshold is the one that flags ``target_fpr`` of the
    held-out ham, as in training.
    """
    check_enough_rows(data["label"], folds, params, where)
    texts, labels = data["text"].tolist(), data["label"].to_numpy()
    scores = np.zeros(len(texts))
    tricked = {name: np.zeros(len(texts)) for name in TRICKS}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, held in splitter.split(texts, labels):
        model = build_pipeline(params).fit([texts[i] for i in train], labels[train])
        scores[held] = spam_scores(model, [texts[i] for i in held])
        spam = held[labels[held] == 1]
        for name in TRICKS:
            rewritten = [obfuscate(texts[i], name, seed) for i in spam]
            tricked[name][spam] = spam_scores(model, rewritten)
    threshold = threshold_for_fpr(labels, scores, target_fpr)
    recall = {"original": float(np.mean(scores[labels == 1] >= threshold))}
    recall |= {name: float(np.mean(s[labels == 1] >= threshold)) for name, s in tricked.items()}
    return {
        "scheme": f"stratified {folds}-fold CV, seed {seed}, threshold at {target_fpr:.1%} FPR",
        "threshold": round(threshold, 4),
        "recall": {name: round(value, 4) for name, value in recall.items()},
    }


TUNED = ("C", "char_ngram_range", "word_min_df", "sublinear_tf", "class_weight", "corpus_weight")


def nested_cv(
    params: ModelConfig,
    data: pd.DataFrame,
    grid: TuningConfig,
    folds: int = 5,
    seed: int = 0,
    where: str = "labelled data",
    extra: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Choose hyperparameters without looking at the test folds.

    Each outer fold's training part picks the grid point with the best inner
    cross-validated ROC-AUC; that choice is then fitted and scored on the outer
    fold it never saw. The outer metrics are an honest estimate of "tune, then
    train", and the choices show how stable the tuning is. With ``extra`` rows the
    grid's ``corpus_weight`` values are searched too (without, they are all the same).
    """
    check_enough_rows(data["label"], folds, params, where)
    texts, labels = np.asarray(data["text"].tolist(), dtype=object), data["label"].to_numpy()
    if extra is None:
        grid = grid.model_copy(update={"corpus_weight": [params.corpus_weight]})
    scores, chosen = np.zeros(len(texts)), []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, held in splitter.split(texts, labels):
        best = _best_on(params, grid, texts[train], labels[train], seed, extra)
        model = fit_with_extra(
            build_pipeline(best), texts[train], labels[train], None, weighted(extra, best)
        )
        scores[held] = spam_scores(model, list(texts[held]))
        chosen.append({name: getattr(best, name) for name in TUNED})
    return {
        "scheme": f"nested CV: {folds} outer folds, {grid.inner_folds} inner, seed {seed}"
        + ("" if extra is None else f" (+ {len(extra)} corpus rows in training)"),
        "metrics": classification_metrics(labels, scores, 0.5),
        "chosen": chosen,
        "most_chosen": _most_common(chosen),
    }


def grid_points(params: ModelConfig, grid: TuningConfig) -> list[ModelConfig]:
    """Every combination of the grid's values, as full model configurations."""
    values = [getattr(grid, name) for name in TUNED]
    return [
        params.model_copy(update=dict(zip(TUNED, combo, strict=True)))
        for combo in itertools.product(*values)
    ]


def _best_on(
    params: ModelConfig,
    grid: TuningConfig,
    texts: np.ndarray,
    labels: np.ndarray,
    seed: int,
    extra: pd.DataFrame | None = None,
) -> ModelConfig:
    """The grid point with the best inner-CV ROC-AUC on one outer training part.

    The inner search skips calibration: it is a monotone map, so it cannot change
    a ranking metric, and leaving it out makes the search several times cheaper.
    """
    best, best_auc = params, -1.0
    for candidate in grid_points(params, grid):
        plain = candidate.model_copy(update={"calibration": "none"})
        inner = cross_validated_scores(
            build_pipeline(plain),
            texts,
            labels,
            grid.inner_folds,
            seed,
            extra=weighted(extra, candidate),
        )
        auc = classification_metrics(labels, inner, 0.5)["roc_auc"]
        if auc > best_auc:
            best, best_auc = candidate, auc
    return best


def _most_common(chosen: list[dict[str, Any]]) -> dict[str, Any]:
    """The value each parameter took most often across the outer folds."""
    return {
        name: Counter(str(choice[name]) for choice in chosen).most_common(1)[0][0] for name in TUNED
    }


def recall_per_family(data: pd.DataFrame, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """Spam recall for each spam ``family`` (empty when the data has no family column)."""
    if "family" not in data:
        return {}
    spam = (data["label"].to_numpy() == 1) & data["family"].notna().to_numpy()
    caught = scores >= threshold
    return {
        str(family): round(float(caught[spam & (data["family"] == family).to_numpy()].mean()), 4)
        for family in sorted(data.loc[spam, "family"].unique())
    }


def mean_metrics(reports: list[dict[str, Any]]) -> dict[str, float | None]:
    return _aggregate(reports, np.mean)


def std_metrics(reports: list[dict[str, Any]]) -> dict[str, float | None]:
    return _aggregate(reports, np.std)


def _aggregate(reports: list[dict[str, Any]], how: Any) -> dict[str, float | None]:
    """Each numeric metric aggregated over reports; None when a report lacks it."""
    names = [
        k
        for k, v in reports[0].items()
        if isinstance(v, int | float) and k not in ("rows", "spam", "threshold")
    ]
    out: dict[str, float | None] = {}
    for name in names:
        values = [r[name] for r in reports if r.get(name) is not None]
        out[name] = round(float(how(values)), 4) if len(values) == len(reports) else None
    return out


def labelled_sources(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Several labelled files as one table whose ``source`` is the file each row came from.

    One file keeps its own ``source`` column (the site or page of each comment).
    """
    if len(frames) == 1:
        return next(iter(frames.values()))
    return pd.concat(
        [frame.assign(source=Path(name).name) for name, frame in frames.items()],
        ignore_index=True,
    )
