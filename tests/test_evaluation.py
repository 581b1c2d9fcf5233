import functools
import os
import signal

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline

from conftest import ROOT
from winnow import evaluation
from winnow.config import ModelConfig
from winnow.errors import TrainingError
from winnow.evaluation import (
    Extra,
    affordable_jobs,
    classification_metrics,
    cross_validated_scores,
    leave_one_template_out,
    out_of_fold,
    recall_at_fpr,
    threshold_for_fpr,
)
from winnow.model import build_pipeline
from winnow.pages import load_annotated_pages
from winnow.segment import PageSegmenter

LABELS = [0] * 10 + [1] * 5
SCORES = [0.05, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.5, 0.7, 0.6, 0.8, 0.9, 0.95, 0.99]


def test_threshold_sits_just_above_the_highest_ham_that_must_not_be_flagged():
    assert threshold_for_fpr(LABELS, SCORES, 0.05) == pytest.approx(0.7)
    assert threshold_for_fpr(LABELS, SCORES, 0.05) > 0.7
    # 10 % of 10 ham lets one ham (0.7) through, so the next ham (0.5) bounds it
    assert 0.5 < threshold_for_fpr(LABELS, SCORES, 0.1) < 0.5001


def test_recall_at_fpr():
    assert recall_at_fpr(LABELS, SCORES, 0.05) == pytest.approx(0.8)  # 0.6 is missed
    assert recall_at_fpr(LABELS, SCORES, 0.1) == 1.0


def test_classification_metrics_at_a_threshold():
    metrics = classification_metrics(LABELS, SCORES, 0.65)
    assert metrics["rows"] == 15 and metrics["spam"] == 5
    assert metrics["precision"] == pytest.approx(0.8)  # 4 spam + 1 ham at or above 0.65
    assert metrics["recall"] == pytest.approx(0.8)
    assert metrics["false_positive_rate"] == pytest.approx(0.1)
    assert metrics["roc_auc"] == pytest.approx(0.98)
    assert metrics["threshold"] == 0.65


def test_metrics_on_one_class_leave_ranking_metrics_empty():
    metrics = classification_metrics([0, 0, 0], [0.1, 0.2, 0.9], 0.5)
    assert metrics["roc_auc"] is None and metrics["mcc"] is None
    assert metrics["false_positive_rate"] == pytest.approx(1 / 3, abs=1e-4)


def test_cross_validated_scores_are_out_of_fold_and_repeatable(tiny_corpus):
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1))
    first = cross_validated_scores(pipeline, texts, labels, folds=3, seed=1)
    again = cross_validated_scores(pipeline, texts, labels, folds=3, seed=1)
    assert first.shape == (len(texts),)
    np.testing.assert_allclose(first, again)
    assert not hasattr(pipeline[-1], "coef_")  # the pipeline given is not fitted


def test_folds_fitted_in_worker_processes_give_the_same_scores_and_models(tiny_corpus):
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1))
    serial = out_of_fold(pipeline, texts, labels, 3, 1, jobs=1, final=True)
    parallel = out_of_fold(pipeline, texts, labels, 3, 1, jobs=2, final=True)
    whole, whole_parallel = serial.final, parallel.final
    assert np.array_equal(serial.scores, parallel.scores)
    assert np.array_equal(serial.fold_of, parallel.fold_of)
    assert sorted(set(serial.fold_of)) == [0, 1, 2] and len(parallel.models) == 3
    probe = ["Earn $500 a day from home at cashnow.biz", "The bridge opens in May."]
    assert np.array_equal(whole.predict_proba(probe), whole_parallel.predict_proba(probe))
    vocabulary = whole.named_steps["features"].transformer_list[0][1].vocabulary_
    assert {"potholes", "casino", "bitcoin"} <= set(vocabulary)  # fitted on every row
    for fold, model in enumerate(parallel.models):  # each fold model scores its own fold
        held = parallel.fold_of == fold
        np.testing.assert_allclose(
            model.predict_proba(np.array(texts)[held])[:, 1], parallel.scores[held]
        )


def test_extra_rows_train_every_fold_at_their_weight_and_are_never_scored(tiny_corpus):
    """Extra rows that contradict the data (every text again, labels flipped) pull the
    held-out scores towards the wrong class, the more the heavier they weigh."""
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1, calibration="none"))
    flipped = [1 - y for y in labels]
    plain = cross_validated_scores(pipeline, texts, labels, 3, 0)
    light = cross_validated_scores(
        pipeline, texts, labels, 3, 0, extra=Extra.of(texts, flipped, 1e-6)
    )
    heavy = cross_validated_scores(
        pipeline, texts, labels, 3, 0, extra=Extra.of(texts, flipped, 3.0)
    )
    spam = np.asarray(labels) == 1
    assert plain.shape == light.shape == heavy.shape == (len(texts),)
    assert heavy[spam].mean() < 0.5 < heavy[~spam].mean()
    for scores in (plain, light):
        assert scores[spam].mean() > 0.5 > scores[~spam].mean()


def test_the_final_fit_includes_the_extra_rows(tiny_corpus):
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1))
    extra = Extra.of(["Visit zqxwv-wins.example for prizes"] * 6, [1] * 6, 1.0)
    result = out_of_fold(pipeline, texts, labels, 3, 0, final=True, extra=extra)
    vocabulary = result.final.named_steps["features"].transformer_list[0][1].vocabulary_
    assert "zqxwv" in vocabulary
    assert len(result.scores) == len(texts)


class DiesWhenFitted(ClassifierMixin, BaseEstimator):
    """A classifier whose process is killed as it fits, as the kernel kills one that
    runs out of memory."""

    def fit(self, X, y):
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_fold_worker_that_dies_is_a_clear_training_error(tiny_corpus):
    texts, labels = tiny_corpus
    pipeline = Pipeline([("classifier", DiesWhenFitted())])
    with pytest.raises(TrainingError) as caught:
        out_of_fold(pipeline, texts, labels, 3, 0, jobs=2, final=True)
    assert str(caught.value) == (
        "a worker process fitting a fold died (out of memory?); retry with fewer jobs than 2"
    )


def test_leave_one_template_out_gives_the_same_report_in_worker_processes(bundled_config):
    templates = {"analysis-site", "gadget-desk", "town-talk"}
    pages = [
        p for p in load_annotated_pages(ROOT / "training/data/pages") if p.template in templates
    ]
    make = functools.partial(PageSegmenter, **bundled_config.segmenter.model_dump())
    serial = leave_one_template_out(pages, make, jobs=1)
    assert serial == leave_one_template_out(pages, make, jobs=2)
    assert set(serial) == {*templates, "all"}
    assert serial["all"]["actual"] == sum(serial[t]["actual"] for t in templates) > 0


def meminfo(tmp_path, monkeypatch, kib: int | None) -> None:
    path = tmp_path / "meminfo"
    lines = ["MemTotal:       24000000 kB"]
    if kib is not None:
        lines.append(f"MemAvailable:   {kib} kB")
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(evaluation, "MEMINFO", path)


def test_fewer_jobs_run_where_memory_holds_fewer_fits(tmp_path, monkeypatch):
    texts = ["x" * 1000] * 1000  # a million characters: about 140 MB for one fit
    meminfo(tmp_path, monkeypatch, 200_000)  # 200 MB available: one fit at a time
    assert affordable_jobs(2, texts) == 1
    meminfo(tmp_path, monkeypatch, 20_000)  # not even one fit's worth: still one job
    assert affordable_jobs(2, texts) == 1
    meminfo(tmp_path, monkeypatch, 2_000_000)
    assert affordable_jobs(2, texts) == 2
    assert affordable_jobs(32, texts) == 14  # 2 GB hold 14 fits of 140 MB


def test_jobs_are_not_capped_where_the_system_does_not_say(tmp_path, monkeypatch):
    meminfo(tmp_path, monkeypatch, None)
    assert affordable_jobs(2, ["x" * 10**6]) == 2
    monkeypatch.setattr(evaluation, "MEMINFO", tmp_path / "absent")
    assert affordable_jobs(2, ["x" * 10**6]) == 2
