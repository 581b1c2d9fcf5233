import hashlib
import json
import re
import shutil

import joblib
import pytest

from winnow.errors import ModelIntegrityError, ModelNotFoundError
from winnow.registry import (
    ARTIFACT_FILE,
    CURRENT_FILE,
    METADATA_FILE,
    SEGMENTER_FILE,
    LiveModel,
    load_model,
    load_segmenter,
    new_version,
    promote,
)
from winnow.training import train


@pytest.fixture
def trained(tmp_path, tiny_config):
    return tmp_path, train(tiny_config, tmp_path).version


def flip_one_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_versions_are_unique_even_within_one_second(tmp_path):
    first = new_version(tmp_path)
    (tmp_path / first).mkdir()
    second = new_version(tmp_path)
    assert second != first and second.startswith(first)


def test_a_model_changed_by_one_byte_is_refused(trained):
    models, version = trained
    flip_one_byte(models / version / ARTIFACT_FILE)
    with pytest.raises(ModelIntegrityError) as err:
        load_model(models)
    assert str(err.value) == (
        f"{models / version / ARTIFACT_FILE}: SHA-256 does not match metadata.json; the file is "
        "corrupt or was modified. Refusing to load it; retrain with `winnow train`."
    )


def test_another_scikit_learn_version_is_refused(trained):
    models, version = trained
    path = models / version / METADATA_FILE
    metadata = json.loads(path.read_text())
    metadata["library_versions"]["scikit-learn"] = "0.0.1"
    path.write_text(json.dumps(metadata))
    with pytest.raises(
        ModelIntegrityError, match=re.escape("trained with scikit-learn 0.0.1, but")
    ):
        load_model(models)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / METADATA_FILE).unlink(), "metadata file is missing"),
        (
            lambda d: (d / METADATA_FILE).write_text("{not json"),
            "metadata is corrupt or incomplete",
        ),
        (lambda d: (d / ARTIFACT_FILE).unlink(), "model file is missing"),
    ],
)
def test_damaged_versions_are_refused(trained, damage, message):
    models, version = trained
    damage(models / version)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(models)


def test_no_model_yet(tmp_path):
    with pytest.raises(ModelNotFoundError) as err:
        load_model(tmp_path)
    assert str(err.value) == (
        f"no trained model in {tmp_path}: train one with `winnow train` (or `make train`)"
    )


def test_current_pointer_cannot_escape_the_models_folder(trained):
    models, _ = trained
    (models / CURRENT_FILE).write_text("../../etc\n")
    with pytest.raises(
        ModelIntegrityError, match=re.escape("current: invalid model version '../../etc'")
    ):
        load_model(models)


def test_promote_unknown_version(trained):
    models, _ = trained
    with pytest.raises(ModelNotFoundError, match="no model version '20000101-000000'"):
        promote(models, "20000101-000000")


def copy_version(models_dir, version, new_name):
    """Another version holding the same (verified) artefacts."""
    shutil.copytree(models_dir / version, models_dir / new_name)
    return new_name


def test_live_model_swaps_in_a_promoted_version(trained):
    models_dir, version = trained
    live = LiveModel(models_dir)
    assert live.refresh() is True and live.version == version
    assert live.refresh() is False
    promote(models_dir, copy_version(models_dir, version, "20990101-000000"))
    assert live.refresh() is True and live.version == "20990101-000000"


def test_live_model_refuses_a_corrupt_promotion_and_keeps_serving(trained):
    models_dir, version = trained
    live = LiveModel(models_dir)
    live.refresh()
    broken = copy_version(models_dir, version, "20990101-000000")
    flip_one_byte(models_dir / broken / "model.joblib")
    promote(models_dir, broken)
    assert live.refresh() is False
    assert live.version == version
    assert "SHA-256 does not match" in live.error
    assert live.refresh() is False  # not retried until models/current is written again


def test_live_model_without_any_model_reports_why(tmp_path):
    live = LiveModel(tmp_path)
    assert live.refresh() is False and live.model is None
    assert live.error.startswith("no trained model in")


def test_a_segmenter_saved_by_an_older_winnow_is_refused_with_a_clear_error(models_copy):
    """A segmenter pickled before a parameter existed would fail mid-segmentation."""
    version = (models_copy / CURRENT_FILE).read_text().strip()
    path = models_copy / version / SEGMENTER_FILE
    old = joblib.load(path)
    del old.shape_weight
    joblib.dump(old, path)
    metadata = json.loads((models_copy / version / METADATA_FILE).read_text())
    metadata["artifacts"][SEGMENTER_FILE]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (models_copy / version / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ModelIntegrityError) as err:
        load_segmenter(models_copy)
    assert str(err.value) == (
        f"{path}: saved by an older winnow (no shape_weight); retrain with `winnow train`."
    )
