import pytest

from winnow.config import load_config
from winnow.errors import ConfigError


def test_bundled_config_resolves_data_relative_to_itself(bundled_config):
    (data,) = bundled_config.data.files
    assert data.is_absolute() and data.name == "comments.jsonl" and data.is_file()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[data]\nfiles = []\n",
            "data.files: List should have at least 1 item after validation, not 0",
        ),
        (
            '[data]\nfiles = ["a.jsonl"]\n[model]\nC = -1\n',
            "model.C: Input should be greater than 0",
        ),
        (
            '[data]\nfiles = ["a.jsonl"]\n[model]\ncorpus_weight = 0\n',
            "model.corpus_weight: Input should be greater than 0",
        ),
        (
            '[data]\nfiles = ["a.jsonl"]\n[tuning]\ncorpus_weight = [0.1, -1]\n',
            "tuning.corpus_weight.1: Input should be greater than 0",
        ),
        (
            '[data]\nfiles = ["a.jsonl"]\n[model]\nchar_ngram_range = [5, 2]\n',
            "model: Value error, char_ngram_range must be [low, high] with 1 <= low <= high",
        ),
        ('[data]\nfiles = ["a.jsonl"]\n[modle]\n', "modle: Extra inputs are not permitted"),
        ("[data\n", "invalid TOML"),
    ],
)
def test_invalid_configs_name_the_field(tmp_path, body, message):
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: {message}")


def test_missing_config(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "none.toml")
    assert str(err.value) == f"{tmp_path / 'none.toml'}: training configuration not found"
