"""The evaluation harness: fixed folds, repeated seeds, sources left out, calibration."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import run_winnow
from winnow import harness
from winnow.config import ModelConfig, TuningConfig
from winnow.errors import DataError
from winnow.evaluation import expected_calibration_error, rows_needed
from winnow.harness import (
    grid_points,
    labelled_sources,
    leave_one_source_out,
    nested_cv,
    repeated_cv,
)

PARAMS = ModelConfig(char_min_df=1)


@pytest.fixture
def tiny_frame(tiny_corpus) -> pd.DataFrame:
    texts, labels = tiny_corpus
    frame = pd.DataFrame({"text": texts, "label": labels})
    frame["source"] = ["site-a" if i % 2 else "site-b" for i in range(len(frame))]
    frame["family"] = ["money" if i < 3 else "other" for i in range(len(frame))]
    frame.loc[frame["label"] == 0, "family"] = None
    return frame


def test_calibration_error_is_zero_when_scores_match_rates_and_large_when_not():
    assert expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0
    assert expected_calibration_error([0, 0, 1, 1], [1.0, 1.0, 0.0, 0.0]) == 1.0
    assert expected_calibration_error([], []) == 0.0


def test_repeated_cv_is_reproducible_and_reports_every_seed(tiny_frame):
    first = repeated_cv(PARAMS, tiny_frame, folds=3, seeds=[0, 1])
    again = repeated_cv(PARAMS, tiny_frame, folds=3, seeds=[0, 1])
    assert [run["seed"] for run in first["runs"]] == [0, 1]
    assert first["runs"] == again["runs"]
    accuracies = [run["metrics"]["accuracy"] for run in first["runs"]]
    assert first["mean"]["accuracy"] == pytest.approx(sum(accuracies) / 2, abs=1e-4)
    assert set(first["runs"][0]["per_family"]) == {"money", "other"}
    assert 0 <= first["mean"]["ece"] <= 1


def test_repeated_cv_in_worker_processes_reports_the_same(tiny_frame):
    serial = repeated_cv(PARAMS, tiny_frame, folds=3, seeds=[0, 1])
    assert repeated_cv(PARAMS, tiny_frame, folds=3, seeds=[0, 1], jobs=2) == serial


def test_leave_one_source_out_tests_each_source_on_a_model_that_never_saw_it(tiny_frame):
    report = leave_one_source_out(PARAMS, tiny_frame)
    assert set(report["per_source"]) == {"site-a", "site-b"}
    assert report["per_source"]["site-a"]["rows"] == (tiny_frame["source"] == "site-a").sum()
    extra = tiny_frame.assign(source="extra")
    with_extra = leave_one_source_out(PARAMS, tiny_frame, extra)
    assert with_extra["per_source"]["site-a"]["accuracy"] == 1.0  # it has seen them now


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (["x", None] * 12, "labelled data: 12 rows have no `source`"),
        (["x"] * 24, "labelled data: only one source (x): nothing to leave out"),
    ],
)
def test_leave_one_source_out_needs_two_named_sources(tiny_frame, sources, message):
    with pytest.raises(DataError) as error:
        leave_one_source_out(PARAMS, tiny_frame.assign(source=sources))
    assert str(error.value) == message


def test_several_files_are_sources_by_file_name(tiny_frame):
    data = labelled_sources({"a/one.csv": tiny_frame, "b/two.csv": tiny_frame})
    assert sorted(data["source"].unique()) == ["one.csv", "two.csv"]


def test_evaluate_cv_through_the_command(tiny_corpus_file):
    result = run_winnow("evaluate", str(tiny_corpus_file), "--cv", "3", "--seeds", "2", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [run["seed"] for run in report["cv"]["runs"]] == [0, 1]
    assert report["cv"]["rows"] == 24


def test_evaluate_by_source_needs_a_source(tiny_corpus_file):
    result = run_winnow("evaluate", str(tiny_corpus_file), "--by-source")
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {tiny_corpus_file}: only one source (tiny): nothing to leave out\n"
    )


GRID = TuningConfig(C=[0.5, 50.0], char_ngram_range=[(1, 3), (2, 5)], inner_folds=2)


def test_grid_points_cover_every_combination_and_keep_the_rest():
    points = grid_points(PARAMS, GRID)
    assert len(points) == 4
    assert {(p.C, p.char_ngram_range) for p in points} == {
        (0.5, (1, 3)),
        (0.5, (2, 5)),
        (50.0, (1, 3)),
        (50.0, (2, 5)),
    }
    assert all(p.char_min_df == 1 for p in points)


def test_nested_cv_tunes_on_training_parts_only(tiny_frame, monkeypatch):
    seen: list[set[str]] = []
    inner = harness.cross_validated_scores

    def spy(pipeline, texts, labels, folds, seed, weights=None, jobs=1, extra=None):
        seen.append(set(texts))
        assert extra is None
        return inner(pipeline, texts, labels, folds, seed, weights, jobs, extra)

    monkeypatch.setattr(harness, "cross_validated_scores", spy)
    report = nested_cv(PARAMS, tiny_frame, GRID, folds=3)
    everything = set(tiny_frame["text"])
    outer_held = {frozenset(everything - part) for part in seen}
    assert len(seen) == 3 * 4
    assert len(outer_held) == 3
    assert set().union(*outer_held) == everything
    assert sum(len(held) for held in outer_held) == len(everything)
    assert len(report["chosen"]) == 3
    assert all(choice["C"] in (0.5, 50.0) for choice in report["chosen"])
    assert report["metrics"]["rows"] == len(tiny_frame)


def flipped(frame: pd.DataFrame) -> pd.DataFrame:
    """Every comment again with the other label: rows that can only mislead a model."""
    return frame.assign(label=1 - frame["label"], source="corpus")


def test_extra_rows_train_every_cv_fold_at_the_recipes_corpus_weight(tiny_frame):
    uncalibrated = PARAMS.model_copy(update={"calibration": "none"})
    light = repeated_cv(
        uncalibrated.model_copy(update={"corpus_weight": 1e-6}),
        tiny_frame,
        3,
        [0],
        extra=flipped(tiny_frame),
    )
    heavy = repeated_cv(
        uncalibrated.model_copy(update={"corpus_weight": 3.0}),
        tiny_frame,
        3,
        [0],
        extra=flipped(tiny_frame),
    )
    alone = repeated_cv(uncalibrated, tiny_frame, 3, [0])
    assert light["rows"] == heavy["rows"] == len(tiny_frame)  # only the data is scored
    assert (
        heavy["scheme"]
        == "stratified 3-fold CV, seeds [0] (+ 24 corpus rows in training, weight 3)"
    )
    assert (
        heavy["mean"]["accuracy"] < 0.5 < min(light["mean"]["accuracy"], alone["mean"]["accuracy"])
    )


def test_leave_one_source_out_weighs_the_extra_rows(tiny_frame):
    params = PARAMS.model_copy(update={"corpus_weight": 3.0, "calibration": "none"})
    report = leave_one_source_out(params, tiny_frame, flipped(tiny_frame))
    assert report["scheme"] == "leave one source out (+ 24 corpus rows in training, weight 3)"
    assert report["mean"]["accuracy"] < 0.5


def test_nested_cv_searches_the_corpus_weight_only_with_extra_rows(tiny_frame, monkeypatch):
    weights: list[float | None] = []
    inner = harness.cross_validated_scores

    def spy(pipeline, texts, labels, folds, seed, weights_=None, jobs=1, extra=None):
        weights.append(None if extra is None else float(extra.weights[0]))
        return inner(pipeline, texts, labels, folds, seed, weights_, jobs, extra)

    monkeypatch.setattr(harness, "cross_validated_scores", spy)
    grid = GRID.model_copy(
        update={"C": [1.0], "char_ngram_range": [(1, 3)], "corpus_weight": [1e-6, 3.0]}
    )
    report = nested_cv(PARAMS, tiny_frame, grid, folds=3, extra=flipped(tiny_frame))
    assert sorted(set(weights)) == [1e-6, 3.0] and len(weights) == 3 * 2
    assert [choice["corpus_weight"] for choice in report["chosen"]] == [1e-6] * 3
    assert (
        report["scheme"]
        == "nested CV: 3 outer folds, 2 inner, seed 0 (+ 24 corpus rows in training)"
    )
    weights.clear()
    nested_cv(PARAMS, tiny_frame, grid, folds=3)
    assert weights == [None] * 3  # one grid point: the weight means nothing without extra rows


def test_evaluate_cv_with_the_corpus_through_the_command(tiny_corpus_file, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        tiny_corpus_file.read_text()
        .replace('"spam"', '"x"')
        .replace('"ham"', '"spam"')
        .replace('"x"', '"ham"')
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nfiles = ["{corpus}"]\n[model]\nchar_min_df = 1\ncorpus_weight = 0.5\n'
    )
    result = run_winnow(
        "evaluate", str(tiny_corpus_file), "--cv", "3", "--seeds", "1", "--with-corpus",
        "--json", "--config", str(config),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    cv = json.loads(result.stdout)["cv"]
    assert (
        cv["scheme"] == "stratified 3-fold CV, seeds [0] (+ 24 corpus rows in training, weight 0.5)"
    )
    assert cv["rows"] == 24


def test_evaluate_tune_through_the_command(tiny_corpus_file, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nfiles = ["{tiny_corpus_file}"]\n[model]\nchar_min_df = 1\n'
        "[evaluation]\nfolds = 3\n[tuning]\nC = [1.0, 10.0]\ninner_folds = 2\n"
    )
    result = run_winnow(
        "evaluate", str(tiny_corpus_file), "--tune", "--json", "--config", str(config)
    )
    assert result.returncode == 0, result.stderr
    tuning = json.loads(result.stdout)["tuning"]
    assert tuning["scheme"] == "nested CV: 3 outer folds, 2 inner, seed 0"
    assert len(tuning["chosen"]) == 3
    assert tuning["most_chosen"]["C"] in ("1.0", "10.0")


@pytest.mark.parametrize(
    ("folds", "calibration", "needed"),
    [(5, 5, 7), (3, 5, 8), (10, 5, 10), (None, 5, 5), (10, None, 10), (3, None, 3)],
)
def test_rows_needed_leaves_every_training_part_enough_for_calibration(folds, calibration, needed):
    assert rows_needed(folds, calibration) == needed


def test_too_few_rows_for_cross_validation_is_a_clear_error(tmp_path):
    small = tmp_path / "small.jsonl"
    rows = [{"text": f"comment number {i}", "label": "spam" if i % 2 else "ham"} for i in range(12)]
    small.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_winnow("evaluate", str(small), "--cv", "5", "--seeds", "1")
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {small}: 5-fold cross-validation with calibration on 5 folds needs at least "
        "7 spam and 7 ham comments (found 6 spam, 6 ham)\n"
    )
