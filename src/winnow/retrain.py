"""Retraining: corpus + moderators' feedback -> a candidate, promoted only if it is not worse.

The candidate and the current model are compared on the same held-out comments: a
stratified share of the corpus and of the feedback. Neither may have trained on
them, and the current model trained on the whole corpus, so it stands in the
comparison as its own recipe (a clone of its pipeline) refitted on the rest of the
corpus; the candidate is the configured recipe fitted on the rest of the corpus and
the feedback. The candidate is promoted when its score on the configured metric is
at most ``tolerance`` below the current model's; the model then saved is fitted on
everything, feedback included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from winnow.config import TrainingConfig
from winnow.errors import ModelNotFoundError
from winnow.evaluation import classification_metrics, fit_with_extra, spam_scores
from winnow.model import SpamModel, build_pipeline
from winnow.registry import load_model, promote
from winnow.store import FeedbackRecord, Store, utc_now
from winnow.training import TrainingResult, load_corpus, train


@dataclass
class RetrainResult:
    """The candidate, whether it was promoted, and why."""

    candidate: TrainingResult
    promoted: bool
    reason: str
    comparison: dict[str, Any]


def feedback_frame(records: list[FeedbackRecord], weight: float) -> pd.DataFrame:
    """Feedback as training rows: one per distinct text, the latest decision winning."""
    rows = [(r.text, int(r.label == "spam")) for r in records if r.text.strip()]
    frame = pd.DataFrame(rows, columns=["text", "label"])
    frame = frame.drop_duplicates("text", keep="last").reset_index(drop=True)
    frame["weight"] = float(weight)
    return frame


def export_feedback(records: list[FeedbackRecord], folder: Path) -> Path:
    """Write the feedback used by a retraining to a JSONL file, for the record."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"feedback-{utc_now()[:19].replace(':', '')}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            row = {"text": record.text, "label": record.label, "site": record.site}
            out.write(json.dumps({**row, "created_at": record.created_at}) + "\n")
    return path


def retrain(
    config: TrainingConfig, models_dir: Path, store: Store, export_dir: Path, jobs: int = 1
) -> RetrainResult:
    """Train a candidate on corpus + feedback and promote it unless it is worse
    (``jobs`` worker processes for its cross-validation)."""
    records = store.feedback()
    exported = export_feedback(records, export_dir)
    feedback = feedback_frame(records, config.retrain.feedback_weight)
    try:
        current: SpamModel | None = load_model(models_dir)
    except ModelNotFoundError:
        current = None
    corpus = load_corpus(config)
    comparison = compare(config, corpus.frame, feedback, current)
    promoted, reason = decide(comparison, config)
    comparison["feedback_export"] = str(exported)
    candidate = train(
        config,
        models_dir,
        promote_model=False,
        extra=feedback,
        extra_metadata={"retraining": {**comparison, "promoted": promoted, "reason": reason}},
        corpus=corpus,
        jobs=jobs,
    )
    if promoted:
        promote(models_dir, candidate.version)
    return RetrainResult(candidate, promoted, reason, comparison)


def compare(
    config: TrainingConfig,
    corpus: pd.DataFrame,
    feedback: pd.DataFrame,
    current: SpamModel | None,
) -> dict[str, Any]:
    """Held-out metrics of a candidate and of the current model's recipe, both trained
    without the holdout (the current model itself trained on its corpus part)."""
    corpus = corpus[["text", "label", "weight"]]
    data = pd.concat([corpus.assign(feedback=0), feedback.assign(feedback=1)], ignore_index=True)
    data["label"] = data["label"].astype(int)
    train_rows, held = _split(data, config.retrain.holdout, config.evaluation.seed)
    texts, labels = held["text"].tolist(), held["label"].to_numpy()
    threshold = current.threshold if current else 0.5
    candidate = _fitted(build_pipeline(config.model), train_rows)
    scores = {"candidate": spam_scores(candidate, texts)}
    if current is not None:
        refitted = _fitted(clone(current.pipeline), train_rows[train_rows["feedback"] == 0])
        scores["current"] = spam_scores(refitted, texts)
    from_feedback = held["feedback"].to_numpy() == 1
    return {
        "current_version": current.version if current else None,
        "holdout_rows": len(held),
        "holdout_feedback_rows": int(from_feedback.sum()),
        "feedback_rows": len(feedback),
        "metric": config.retrain.metric,
        "tolerance": config.retrain.tolerance,
        **{
            name: _held_out_metrics(labels, s, threshold, from_feedback)
            for name, s in scores.items()
        },
    }


def _fitted(pipeline: Pipeline, rows: pd.DataFrame) -> Pipeline:
    texts = np.asarray(rows["text"].tolist(), dtype=object)
    return fit_with_extra(
        pipeline, texts, rows["label"].to_numpy(), rows["weight"].to_numpy(), None
    )


def _split(data: pd.DataFrame, share: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A split stratified by label and by origin (corpus or feedback) where counts allow."""
    strata = data["label"].astype(str) + data["feedback"].astype(str)
    stratify = strata if strata.value_counts().min() >= 2 else data["label"]
    return train_test_split(data, test_size=share, random_state=seed, stratify=stratify)


def _held_out_metrics(
    labels: np.ndarray, scores: np.ndarray, threshold: float, from_feedback: np.ndarray
) -> dict[str, Any]:
    metrics = classification_metrics(labels, scores, threshold)
    if from_feedback.any():
        right = (scores[from_feedback] >= threshold) == (labels[from_feedback] == 1)
        metrics["feedback_accuracy"] = round(float(right.mean()), 4)
    return metrics


def decide(comparison: dict[str, Any], config: TrainingConfig) -> tuple[bool, str]:
    """Promote unless the candidate is worse than the current model beyond the tolerance."""
    metric, tolerance = config.retrain.metric, config.retrain.tolerance
    if "current" not in comparison:
        return True, "no current model: the candidate is the first"
    old, new = comparison["current"][metric], comparison["candidate"][metric]
    if old is None or new is None:
        return False, f"{metric} cannot be measured on the holdout (one class only)"
    if new >= old - tolerance:
        return True, f"candidate {metric} {new:.4f} vs current {old:.4f} (tolerance {tolerance})"
    return False, (
        f"candidate {metric} {new:.4f} is worse than current {old:.4f} "
        f"by more than the tolerance {tolerance}: keeping {comparison['current_version']}"
    )
