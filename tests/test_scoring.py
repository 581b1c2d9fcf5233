"""Batch scoring: streaming chunks, rejects, formats, directories, pages, parallel jobs."""

import json

import pandas as pd
import pytest

from conftest import run_winnow, score_to_frame
from winnow import sinks
from winnow.errors import DataError
from winnow.normalize import TextNormalizer
from winnow.scoring import ScoreOptions, score_frame, score_inputs, score_texts

HAM = "The council should fix the potholes on Main Street before the winter."
SPAM = "Google is paying $95 an hour from home, open cashnow247.com and start today"


def test_explained_scores_clean_each_text_once_and_give_the_models_reasons(
    bundled_model, monkeypatch
):
    texts = [HAM, SPAM, "Visit my channel http://tube.example.com/c/me for more!!"]
    expected = [[r["ngram"] for r in bundled_model.explain(t, top=3)] for t in texts]
    cleaned = []
    real = TextNormalizer.transform

    def counted(self, batch):
        cleaned.append(list(batch))
        return real(self, batch)

    monkeypatch.setattr(TextNormalizer, "transform", counted)
    probabilities, reasons = score_texts(bundled_model, texts, explain=True)
    assert cleaned == [texts]
    assert reasons == expected
    assert probabilities.tolist() == bundled_model.predict_proba(texts).round(6).tolist()


def test_score_frame_adds_scores_and_the_model_version(bundled_model):
    frame = pd.DataFrame({"id": [1, 2], "body": [HAM, SPAM]})
    scored = score_frame(frame, "body", bundled_model, explain=True)
    assert list(scored.columns) == [
        "id",
        "body",
        "spam_probability",
        "label",
        "model_version",
        "reasons",
    ]
    assert scored["label"].tolist() == ["ham", "spam"]
    assert (scored["model_version"] == bundled_model.version).all()
    assert any(sign in scored["reasons"][1] for sign in ("<link>", "<money amount>", "paying"))
    assert list(frame.columns) == ["id", "body"]  # the input is not modified


def test_a_bad_line_and_a_missing_text_go_to_the_rejects_file(bundled_model, tmp_path):
    source = tmp_path / "comments.csv"
    source.write_bytes(
        b'id,text\n1,fair point\n2,\n3,caf\xe9 au lait\n4,"' + SPAM.encode() + b'"\n'
    )
    output = tmp_path / "scored.csv"
    summary = score_inputs(bundled_model, [str(source)], output, ScoreOptions(chunk_rows=2))
    assert (summary.rows, summary.rejected) == (2, 2)
    scored = pd.read_csv(output)
    assert scored["id"].tolist() == [1, 4]
    rejects = [json.loads(line) for line in (tmp_path / "scored.csv.rejects.jsonl").open()]
    assert rejects == [
        {"source": str(source), "location": "line 3", "reason": "empty text in column 'text'"},
        {"source": str(source), "location": "line 4", "reason": "not valid UTF-8"},
    ]


def test_strict_stops_at_the_first_bad_row(bundled_model, tmp_path):
    source = tmp_path / "comments.jsonl"
    source.write_text(json.dumps({"text": HAM}) + "\n" + json.dumps({"text": None}) + "\n")
    with pytest.raises(DataError) as err:
        score_inputs(bundled_model, [str(source)], tmp_path / "o.csv", ScoreOptions(strict=True))
    assert str(err.value) == f"{source} line 2: missing value in text column 'text'"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_outputs_round_trip_through_pandas_with_the_right_dtypes(bundled_model, tmp_path, suffix):
    source = tmp_path / "in.jsonl"
    rows = [{"n": i, "score": i / 2, "text": text} for i, text in enumerate([HAM, SPAM, HAM])]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    output = tmp_path / f"out{suffix}"
    score_inputs(bundled_model, [str(source)], output, ScoreOptions(chunk_rows=2))
    frame = {
        ".csv": pd.read_csv,
        ".parquet": pd.read_parquet,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
    }[suffix](output)
    assert frame["n"].tolist() == [0, 1, 2] and frame["n"].dtype.kind == "i"
    assert frame["score"].dtype.kind == "f" and frame["spam_probability"].dtype.kind == "f"
    assert frame["label"].tolist() == ["ham", "spam", "ham"]
    assert frame["model_version"].astype(str).unique().tolist() == [bundled_model.version]


def test_a_directory_output_gets_one_file_per_input(bundled_model, tmp_path):
    for name, text in (("a.jsonl", HAM), ("b.jsonl", SPAM)):
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_text(json.dumps({"text": text}) + "\n")
    out = tmp_path / "out"
    summary = score_inputs(bundled_model, [str(tmp_path / "in")], out, ScoreOptions(fmt="csv"))
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv"]
    assert pd.read_csv(out / "b.csv")["label"].tolist() == ["spam"]
    assert summary.rows == 2 and summary.spam == 1


def test_only_spam_and_globs(bundled_model, tmp_path):
    (tmp_path / "x1.csv").write_text(f'text\n{HAM}\n"{SPAM}"\n')
    (tmp_path / "x2.csv").write_text(f'text\n"{SPAM}"\n')
    output = tmp_path / "spam.jsonl"
    score_inputs(bundled_model, [str(tmp_path / "x*.csv")], output, ScoreOptions(only_spam=True))
    assert [json.loads(line)["text"] for line in output.open()] == [SPAM, SPAM]


def test_missing_inputs_are_named(bundled_model, tmp_path):
    with pytest.raises(DataError) as err:
        score_inputs(bundled_model, [str(tmp_path / "nope*.csv")], None, ScoreOptions())
    assert (
        str(err.value) == f"{tmp_path / 'nope*.csv'}: no such file, directory or matching pattern"
    )


def test_pages_and_tables_mixed_in_one_call(trained_models_dir, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><h1>Bridge vote</h1><div class='entry-content'><p>The council "
        "voted.</p><p>Work starts soon.</p></div><ol class='comment-list'><li "
        "class='comment'><b class='fn'>Ann</b><div class='comment-content'><p>"
        f"{SPAM}</p></div></li></ol></body></html>"
    )
    table = tmp_path / "table.csv"
    table.write_text(f"text\n{HAM}\n")
    output = tmp_path / "out.jsonl"
    result = run_winnow(
        "score", str(page), str(table), "-o", str(output), "--models-dir", str(trained_models_dir)
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in output.open()]
    assert [(r.get("page"), r.get("author"), r["label"]) for r in rows] == [
        (str(page), "Ann", "spam"),
        (None, None, "ham"),
    ]
    assert rows[0]["kind"] == "comment" and rows[0]["element"].endswith("div.comment-content")
    assert "Scored 2 rows" in result.stderr


def test_two_jobs_give_the_same_rows_in_the_same_order(trained_models_dir, tmp_path):
    source = tmp_path / "many.jsonl"
    texts = [f"{HAM} ({i})" if i % 3 else f"{SPAM} {i}" for i in range(120)]
    source.write_text("".join(json.dumps({"i": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    outputs = [
        score_to_frame(
            trained_models_dir,
            source,
            tmp_path / f"out{jobs}.csv",
            "--jobs",
            jobs,
            "--chunk-rows",
            "16",
        )
        for jobs in ("1", "2")
    ]
    pd.testing.assert_frame_equal(outputs[0], outputs[1])
    assert outputs[0]["i"].tolist() == list(range(120))


def test_parquet_output_survives_a_first_chunk_of_nulls(bundled_model, tmp_path):
    source = tmp_path / "in.jsonl"
    rows = [{"text": HAM, "author": None}] * 2 + [{"text": SPAM, "author": "bot"}]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    output = tmp_path / "out.parquet"
    score_inputs(bundled_model, [str(source)], output, ScoreOptions(chunk_rows=2))
    authors = pd.read_parquet(output)["author"]
    assert authors.isna().tolist() == [True, True, False] and authors.iloc[2] == "bot"


def test_an_input_with_no_scorable_rows_does_not_decide_the_columns(bundled_model, tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": 1, "text": ""}) + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": 2, "text": HAM}) + "\n")
    output = tmp_path / "out.csv"
    score_inputs(
        bundled_model,
        [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")],
        output,
        ScoreOptions(),
    )
    assert pd.read_csv(output)[["id", "text", "label"]].values.tolist() == [[2, HAM, "ham"]]


def test_timestamps_are_written_to_jsonl_as_iso_8601(bundled_model, tmp_path):
    source = tmp_path / "in.parquet"
    pd.DataFrame({"text": [HAM], "at": [pd.Timestamp("2026-11-24 08:00")]}).to_parquet(source)
    output = tmp_path / "out.jsonl"
    score_inputs(bundled_model, [str(source)], output, ScoreOptions())
    assert json.loads(output.read_text())["at"] == "2026-11-24T08:00:00"


def test_a_failed_run_leaves_no_partial_output(bundled_model, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": HAM}) + "\n" + "{broken\n")
    output = tmp_path / "out.csv"
    output.write_text("an earlier result\n")
    with pytest.raises(DataError):
        score_inputs(bundled_model, [str(source)], output, ScoreOptions(strict=True, chunk_rows=1))
    assert output.read_text() == "an earlier result\n"
    assert [p.name for p in tmp_path.iterdir()] == ["in.jsonl", "out.csv"] or sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["in.jsonl", "out.csv"]


def test_jsonl_that_orjson_refuses_is_read_the_standard_way_or_rejected(bundled_model, tmp_path):
    source = tmp_path / "odd.jsonl"
    source.write_text(
        '{"id": 1, "text": "fair point", "x": NaN}\n'
        '{"id": 2, "text": "lone \\ud800 surrogate"}\n'
        '{"id": 3, "text": "' + SPAM + '", "at": null}\n'
        '{"id": 4, "text": }\n'
    )
    output = tmp_path / "out.jsonl"
    summary = score_inputs(bundled_model, [str(source)], output, ScoreOptions())
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert (summary.rows, summary.rejected) == (2, 2)
    assert [(r["id"], r["x"], r["label"]) for r in rows] == [(1, None, "ham"), (3, None, "spam")]
    rejects = [json.loads(line) for line in (tmp_path / "out.jsonl.rejects.jsonl").open()]
    assert [(r["location"], r["reason"]) for r in rejects] == [
        ("line 2", "invalid JSON (a \\u escape makes a lone surrogate, not a character)"),
        ("line 4", "invalid JSON (Expecting value, column 19)"),
    ]


def test_jsonl_output_falls_back_to_the_standard_library_for_what_orjson_refuses(tmp_path):
    frame = pd.DataFrame({"n": [2**70], "when": [pd.NaT], "text": ["x"]})
    output = tmp_path / "out.jsonl"
    with output.open("w") as handle:
        sinks._write_jsonl(frame, handle)
    assert json.loads(output.read_text()) == {"n": 2**70, "when": None, "text": "x"}
