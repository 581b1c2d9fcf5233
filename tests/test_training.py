import json

import pytest
import sklearn

from winnow.errors import DataError
from winnow.fastscore import TABLES_FILE
from winnow.registry import (
    ARTIFACT_FILE,
    CARD_FILE,
    METADATA_FILE,
    current_version,
    list_versions,
    load_model,
    sha256_of,
)
from winnow.report import REPORT_FILE
from winnow.training import train


def test_training_writes_a_complete_version_and_promotes_it(
    tmp_path, tiny_config, tiny_corpus_file
):
    result = train(tiny_config, tmp_path)
    folder = tmp_path / result.version
    expected = {ARTIFACT_FILE, TABLES_FILE, METADATA_FILE, CARD_FILE, REPORT_FILE}
    assert {p.name for p in folder.iterdir()} == expected
    assert current_version(tmp_path) == result.version
    metadata = json.loads((folder / METADATA_FILE).read_text())
    assert metadata["version"] == result.version
    assert metadata["library_versions"]["scikit-learn"] == sklearn.__version__
    assert metadata["artifacts"][ARTIFACT_FILE]["sha256"] == sha256_of(folder / ARTIFACT_FILE)
    assert metadata["artifacts"][TABLES_FILE]["sha256"] == sha256_of(folder / TABLES_FILE)
    (data,) = metadata["training_data"]
    assert data["sha256"] == sha256_of(tiny_corpus_file)
    assert (data["rows"], data["spam"]) == (24, 12)
    assert metadata["parameters"]["C"] == tiny_config.model.C
    assert set(metadata["metrics"]) >= {
        "accuracy",
        "precision",
        "recall",
        "f1",
        "mcc",
        "roc_auc",
        "recall_at_1pct_fpr",
    }
    assert 0 < metadata["threshold"] <= 1
    assert f"# winnow model {result.version}" in (folder / CARD_FILE).read_text()


def test_training_twice_gives_two_versions_the_second_promoted(tmp_path, tiny_config):
    first = train(tiny_config, tmp_path)
    second = train(tiny_config, tmp_path)
    assert first.version != second.version
    assert list_versions(tmp_path) == [first.version, second.version]
    assert current_version(tmp_path) == second.version
    assert load_model(tmp_path).version == second.version


def test_no_promote_keeps_the_current_model(tmp_path, tiny_config):
    first = train(tiny_config, tmp_path)
    second = train(tiny_config, tmp_path, promote_model=False)
    assert current_version(tmp_path) == first.version
    assert load_model(tmp_path, second.version).version == second.version


def test_training_needs_enough_of_both_classes(tmp_path, tiny_config):
    data = tmp_path / "few.jsonl"
    data.write_text(
        '{"text": "a", "label": "spam"}\n{"text": "b", "label": "ham"}\n'
        '{"text": "c", "label": "ham"}\n'
    )
    with pytest.raises(DataError) as err:
        train(tiny_config, tmp_path / "models", data_files=[data])
    assert str(err.value) == (
        f"{data}: 3-fold cross-validation with calibration on 5 folds needs at least "
        "8 spam and 8 ham comments (found 1 spam, 2 ham)"
    )
    assert not (tmp_path / "models").exists()


def test_two_jobs_train_the_same_model_as_one(tmp_path, tiny_config):
    one = train(tiny_config, tmp_path / "one", jobs=1)
    two = train(tiny_config, tmp_path / "two", jobs=2)
    assert one.metrics == two.metrics
    assert one.metadata["threshold"] == two.metadata["threshold"]
