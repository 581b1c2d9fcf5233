"""Retraining on feedback: promoted only when not worse than the current model."""

from __future__ import annotations

from pathlib import Path

import pytest

from winnow.config import RetrainConfig
from winnow.registry import current_version
from winnow.retrain import decide, feedback_frame, retrain
from winnow.store import FeedbackRecord, open_store
from winnow.training import train


@pytest.fixture
def sqlite_store(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'winnow.db'}")
    yield store
    store.close()


def test_feedback_frame_keeps_the_latest_decision_per_text():
    records = [
        FeedbackRecord(label="spam", text="same words", api="native"),
        FeedbackRecord(label="ham", text="other", api="native"),
        FeedbackRecord(label="ham", text="same words", api="akismet"),
        FeedbackRecord(label="spam", text="   ", api="akismet"),
    ]
    frame = feedback_frame(records, weight=2.0)
    assert frame.to_dict("records") == [
        {"text": "other", "label": 0, "weight": 2.0},
        {"text": "same words", "label": 0, "weight": 2.0},
    ]


@pytest.mark.parametrize(
    ("current", "candidate", "promoted"),
    [(0.95, 0.95, True), (0.95, 0.945, True), (0.95, 0.93, False), (0.90, 0.99, True)],
)
def test_decide_uses_the_metric_and_the_tolerance(tiny_config, current, candidate, promoted):
    tiny_config.retrain = RetrainConfig(metric="roc_auc", tolerance=0.01)
    comparison = {
        "current_version": "20260101-000000",
        "current": {"roc_auc": current},
        "candidate": {"roc_auc": candidate},
    }
    decision, reason = decide(comparison, tiny_config)
    assert decision is promoted
    assert ("keeping 20260101-000000" in reason) is not promoted


def test_retrain_keeps_the_current_model_when_the_candidate_is_worse(
    tiny_config, tiny_corpus, sqlite_store, tmp_path
):
    """A retraining whose recipe was broken (one feature) must not replace a good model."""
    models = tmp_path / "models"
    first = train(tiny_config, models).version
    texts, labels = tiny_corpus
    for text, label in zip(texts[:6], labels[:6], strict=True):
        record = FeedbackRecord(label="spam" if label else "ham", text=text + " !", api="native")
        sqlite_store.add_feedback(record)
    broken = tiny_config.model_copy(
        update={"model": tiny_config.model.model_copy(update={"max_features": 1})}
    )
    result = retrain(broken, models, sqlite_store, tmp_path / "exports")
    assert result.promoted is False
    assert "worse than current" in result.reason
    assert current_version(models) == first
    assert result.candidate.metadata["retraining"]["promoted"] is False
    assert Path(result.comparison["feedback_export"]).read_text().count("\n") == 6


def test_retrain_without_a_current_model_promotes_the_first(tiny_config, sqlite_store, tmp_path):
    sqlite_store.add_feedback(
        FeedbackRecord(label="spam", text="Buy followers cheap", api="native")
    )
    result = retrain(tiny_config, tmp_path / "models", sqlite_store, tmp_path / "exports")
    assert result.promoted is True
    assert current_version(tmp_path / "models") == result.candidate.version
    assert result.candidate.metadata["training_data"][0]["rows"] == 24
