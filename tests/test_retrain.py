"""Retraining on feedback: promoted only when not worse than the current model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from winnow.config import PagesConfig, RetrainConfig
from winnow.model import SpamModel, build_pipeline
from winnow.registry import current_version
from winnow.retrain import compare, decide, feedback_frame, retrain
from winnow.store import FeedbackRecord, open_store


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
    bundled_config, models_copy, sqlite_store, tmp_path
):
    """A retraining whose recipe was broken (one feature) must not replace a good model,
    judged on held-out comments that neither side trained on."""
    first = current_version(models_copy)
    for text in ("Cheap pills at medsdirect.biz !", "Lovely photos of the harbour !"):
        label = "spam" if "pills" in text else "ham"
        sqlite_store.add_feedback(FeedbackRecord(label=label, text=text, api="native"))
    broken = bundled_config.model_copy(  # no pages: the segmenter is not what is tested
        update={
            "model": bundled_config.model.model_copy(update={"max_features": 1}),
            "pages": PagesConfig(),
        }
    )
    result = retrain(broken, models_copy, sqlite_store, tmp_path / "exports")
    assert result.promoted is False
    assert "worse than current" in result.reason
    assert current_version(models_copy) == first
    assert result.candidate.metadata["retraining"]["promoted"] is False
    assert result.comparison["current"]["roc_auc"] > 0.95  # refitted without the holdout
    assert Path(result.comparison["feedback_export"]).read_text().count("\n") == 2


def test_the_current_model_is_judged_by_its_recipe_refitted_without_the_holdout(
    tiny_config, tiny_corpus, monkeypatch
):
    """The current model trained on the held-out corpus rows, so its own scores of them
    would flatter it: it is compared as its recipe fitted on the rest."""
    texts, labels = tiny_corpus
    corpus = pd.DataFrame({"text": texts, "label": labels, "weight": 1.0})
    feedback = pd.DataFrame({"text": ["Buy followers cheap"], "label": [1], "weight": [3.0]})
    current = SpamModel(build_pipeline(tiny_config.model).fit(texts, labels), 0.5, "v1")
    fitted_on: list[set[str]] = []
    real_fit = Pipeline.fit

    def spy(self, X, y=None, **params):
        fitted_on.append(set(X))
        return real_fit(self, X, y, **params)

    monkeypatch.setattr(Pipeline, "fit", spy)
    comparison = compare(tiny_config, corpus, feedback, current)
    candidate_rows, current_rows = fitted_on
    held = comparison["holdout_rows"]
    assert len(candidate_rows) == len(texts) + 1 - held
    assert current_rows == candidate_rows - {"Buy followers cheap"}
    assert comparison["current_version"] == "v1"


def test_retrain_without_a_current_model_promotes_the_first(tiny_config, sqlite_store, tmp_path):
    sqlite_store.add_feedback(
        FeedbackRecord(label="spam", text="Buy followers cheap", api="native")
    )
    result = retrain(tiny_config, tmp_path / "models", sqlite_store, tmp_path / "exports")
    assert result.promoted is True
    assert current_version(tmp_path / "models") == result.candidate.version
    assert result.candidate.metadata["training_data"][0]["rows"] == 24
