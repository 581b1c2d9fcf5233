"""The real ``winnow`` command, run as a subprocess."""

import json

import pandas as pd
import pytest

from conftest import run_winnow
from winnow.registry import ARTIFACT_FILE, METADATA_FILE, current_version, list_versions, load_model


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("command", [[], ["train"], ["score"], ["evaluate"], ["models"]])
def test_help_on_every_command(command):
    result = run_winnow(*command, "--help")
    assert result.returncode == 0
    assert "Usage: winnow" in result.stdout


def test_train_twice_gives_two_versions_the_second_promoted(tmp_path, tiny_corpus_file):
    models = tmp_path / "models"
    for _ in range(2):
        result = run_winnow("train", "--data", str(tiny_corpus_file), "--out", str(models))
        assert result.returncode == 0, result.stderr
        assert "promoted to current" in result.stderr
    versions = list_versions(models)
    assert len(versions) == 2
    assert current_version(models) == versions[1]
    listing = run_winnow("models", "--models-dir", str(models))
    assert listing.stdout.splitlines()[1].startswith(f"* {versions[1]}")


def test_train_with_the_corpus_behind_your_files_reports_only_yours(tmp_path, tiny_corpus_file):
    bundled = [{"text": f"Replica watches {i} at zqxwatch.biz", "label": "spam"} for i in range(7)]
    bundled += [{"text": f"The tram line {i} reopens on Monday", "label": "ham"} for i in range(7)]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nfiles = ["{write_jsonl(tmp_path / "bundled.jsonl", bundled)}"]\n'
        "[model]\nchar_min_df = 1\ncorpus_weight = 0.25\n[evaluation]\nfolds = 3\n"
    )
    models = tmp_path / "models"
    result = run_winnow(
        "train", "--data", str(tiny_corpus_file), "--with-corpus",
        "--config", str(config), "--out", str(models),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    version = current_version(models)
    metadata = json.loads((models / version / METADATA_FILE).read_text())
    assert metadata["corpus_behind"] == {"rows": 14, "weight": 0.25}
    assert metadata["metrics"]["rows"] == 24  # your comments only
    card = (models / version / "MODEL_CARD.md").read_text()
    assert "- behind them, the bundled corpus: 14 comments at weight 0.25 each" in card
    words = load_model(models).pipeline.named_steps["features"].transformer_list[0][1]
    assert "zqxwatch" in words.vocabulary_  # the corpus trained the model


def test_with_corpus_without_data_is_a_clear_error(tmp_path):
    result = run_winnow("train", "--with-corpus", "--out", str(tmp_path / "models"))
    assert result.returncode == 1
    assert result.stderr == "Error: --with-corpus needs --data: without it the corpus is the data\n"


def test_score_jsonl_to_stdout_keeps_rows_and_order(trained_models_dir, tmp_path):
    rows = [
        {"id": 1, "text": "Great goal in the second half", "extra": "a"},
        {
            "id": 2,
            "text": "Google is paying $95 an hour from home, open cashnow247.com now",
            "extra": "b",
        },
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    result = run_winnow("score", str(source), "--models-dir", str(trained_models_dir))
    assert result.returncode == 0, result.stderr
    scored = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in scored] == [1, 2]
    assert [r["extra"] for r in scored] == ["a", "b"]
    assert [r["label"] for r in scored] == ["ham", "spam"]
    assert all(0 <= r["spam_probability"] <= 1 for r in scored)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_score_output_format_follows_the_extension(trained_models_dir, tmp_path, suffix):
    source = tmp_path / "in.csv"
    source.write_text(
        "author,comment\nann,Lovely photos of the harbour\nbot,"
        "Cheap pills no prescription at medsdirect.biz\n"
    )
    output = tmp_path / f"out{suffix}"
    result = run_winnow(
        "score",
        str(source),
        "-o",
        str(output),
        "--text-column",
        "comment",
        "--models-dir",
        str(trained_models_dir),
    )
    assert result.returncode == 0, result.stderr
    frame = {
        ".csv": pd.read_csv,
        ".parquet": pd.read_parquet,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
    }[suffix](output)
    assert list(frame.columns) == [
        "author",
        "comment",
        "spam_probability",
        "label",
        "model_version",
    ]
    assert frame["author"].tolist() == ["ann", "bot"]
    assert frame["label"].tolist() == ["ham", "spam"]
    assert f"Scored 2 rows with model {current_version(trained_models_dir)}" in result.stderr


def test_score_one_text(trained_models_dir):
    result = run_winnow(
        "score",
        "--text",
        "Subscribe to my channel for daily videos!!!",
        "--models-dir",
        str(trained_models_dir),
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["label"] == "spam" and answer["spam_probability"] > 0.5


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "nocol.jsonl",
            '{"note": "hello"}\n',
            ": no text column (looked for text, comment, content, body, message; columns: note); "
            "name it with --text-column",
        ),
        (
            "broken.jsonl",
            '{"text": "hello"}\n{"text": "unterminated\n',
            " line 2: invalid JSON (Unterminated string starting at, column 10)",
        ),
        (
            "blank.jsonl",
            '{"text": "hello"}\n{"text": "ok"}\n{"text": ""}\n',
            " line 3: empty text in column 'text'",
        ),
        ("short.csv", 'text,id\nhello,1\n"world"\n', " line 3: expected 2 fields, found 1"),
    ],
)
def test_score_bad_input_names_file_and_line(trained_models_dir, tmp_path, name, content, message):
    source = tmp_path / name
    source.write_text(content)
    result = run_winnow(
        "score",
        str(source),
        "-o",
        str(tmp_path / "out.csv"),
        "--strict",
        "--models-dir",
        str(trained_models_dir),
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {source}{message}"
    assert not (tmp_path / "out.csv").exists()


def test_score_refuses_a_model_changed_by_one_byte(models_copy, tmp_path):
    artifact = models_copy / current_version(models_copy) / ARTIFACT_FILE
    data = bytearray(artifact.read_bytes())
    data[100] ^= 0xFF
    artifact.write_bytes(bytes(data))
    result = run_winnow("score", "--text", "hello", "--models-dir", str(models_copy))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"Error: {artifact}: SHA-256 does not match metadata.json; the file is corrupt or was "
        "modified. Refusing to load it; retrain with `winnow train`."
    )


def test_score_without_a_model(tmp_path):
    result = run_winnow("score", "--text", "hello", "--models-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: no trained model in {tmp_path}: train one with `winnow train` (or `make train`)"
    )


def test_score_needs_exactly_one_input(trained_models_dir, tmp_path):
    result = run_winnow("score", "--models-dir", str(trained_models_dir))
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: give either INPUT files or --text"


def test_evaluate_prints_metrics_per_file_and_overall(
    trained_models_dir, tmp_path, tiny_corpus_file
):
    other = write_jsonl(
        tmp_path / "other.jsonl",
        [
            {"text": "Earn $500 a day from home, visit quickcash.biz", "label": "spam"},
            {"text": "The mayor's plan for the bus lanes makes sense", "label": "ham"},
        ],
    )
    result = run_winnow(
        "evaluate",
        str(tiny_corpus_file),
        str(other),
        "--json",
        "--models-dir",
        str(trained_models_dir),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model_version"] == current_version(trained_models_dir)
    assert set(report["metrics"]) == {str(tiny_corpus_file), str(other), "all"}
    assert report["metrics"]["all"]["rows"] == 26
    assert report["metrics"][str(other)]["accuracy"] == 1.0


def test_train_with_a_bad_config_reports_it(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[data]\nfiles = []\n")
    result = run_winnow("train", "--config", str(config), "--out", str(tmp_path / "m"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {config}: data.files: List should have at least 1 item after validation, not 0"
    )


def test_segment_prints_json_segments_of_html_and_text_pages(trained_models_dir, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><article><h1>Bridge vote</h1><div class='entry-content'><p>The council "
        "voted.</p><p>Work starts soon.</p></div></article><ol class='comment-list'>"
        "<li class='comment'><b class='fn'>Ann</b><div class='comment-content'><p>About time."
        "</p></div></li></ol></body></html>"
    )
    result = run_winnow("segment", str(page), "--json", "--models-dir", str(trained_models_dir))
    assert result.returncode == 0, result.stderr
    segments = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(s["kind"], s["text"]) for s in segments] == [
        ("title", "Bridge vote"),
        ("body", "The council voted."),
        ("body", "Work starts soon."),
        ("comment", "About time."),
    ]
    assert segments[-1]["author"] == "Ann" and segments[-1]["page"] == str(page)


def test_segment_refuses_a_binary_file(trained_models_dir, tmp_path):
    page = tmp_path / "image.txt"
    page.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run_winnow("segment", str(page), "--models-dir", str(trained_models_dir))
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {page}: binary file, not a text or HTML page"
