import json

import pandas as pd
import pytest

from winnow.corpus import LabelSpelling, load_labelled, read_table
from winnow.errors import DataError


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_csv_and_parquet_load_alike(tmp_path):
    rows = [{"text": "buy pills now", "label": "spam"}, {"text": "fair point", "label": "ham"}]
    jsonl = write(tmp_path / "a.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    csv = write(tmp_path / "a.csv", "text,label\nbuy pills now,spam\nfair point,ham\n")
    parquet = tmp_path / "a.parquet"
    pd.DataFrame(rows).to_parquet(parquet)
    for path in (jsonl, csv, parquet):
        frame = load_labelled(path)
        assert frame["text"].tolist() == ["buy pills now", "fair point"]
        assert frame["label"].tolist() == [1, 0]
        assert frame["source"].tolist() == ["a", "a"]


@pytest.mark.parametrize(
    ("spam", "ham"), [("spam", "ham"), ("1", "0"), ("TRUE", "false"), ("yes", "No")]
)
def test_label_spellings(tmp_path, spam, ham):
    path = write(tmp_path / "l.csv", f"comment,is_spam\nwin cash,{spam}\nnice goal,{ham}\n")
    assert load_labelled(path)["label"].tolist() == [1, 0]


def test_numeric_and_boolean_labels_in_jsonl(tmp_path):
    path = write(
        tmp_path / "n.jsonl",
        '{"text": "a", "label": 1}\n{"text": "b", "label": false}\n{"text": "c", "label": 1.0}\n',
    )
    assert load_labelled(path)["label"].tolist() == [1, 0, 1]


def test_custom_columns_and_spellings(tmp_path):
    path = write(tmp_path / "c.csv", "body,verdict\nwin cash,junk\nnice goal,fine\n")
    frame = load_labelled(
        path,
        text_column="body",
        label_column="verdict",
        spelling=LabelSpelling(spam=("junk",), ham=("fine",)),
    )
    assert frame["label"].tolist() == [1, 0]


def test_youtube_format_is_recognised_and_html_cleaned(tmp_path):
    path = write(
        tmp_path / "Youtube09-Test.csv",
        "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n"
        'a1,Ann,2014-01-01,"check my channel <a href=""http://x.example.com"">here</a>",1\n'
        "a2,Bob,2014-01-02,I can&#39;t stop listening<br />so good,0\n",
    )
    frame = load_labelled(path)
    assert frame["text"].tolist() == [
        "check my channel  http://x.example.com here ",
        "I can't stop listening\nso good",
    ]
    assert frame["label"].tolist() == [1, 0]
    assert frame["author"].tolist() == ["Ann", "Bob"]
    assert frame["source"].tolist() == ["Youtube09-Test"] * 2


def test_multiline_csv_rows_report_their_starting_line(tmp_path):
    path = write(tmp_path / "m.csv", 'text,label\n"line one\nline two",spam\nok,maybe\n')
    with pytest.raises(DataError) as err:
        load_labelled(path)
    assert str(err.value) == (
        f"{path} line 4: unknown label 'maybe' in column 'label' "
        "(expected one of spam, 1, true, yes, ham, 0, false, no)"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "bad.jsonl",
            '{"text": "a", "label": "spam"}\n{"text": "b", "label"\n',
            "line 2: invalid JSON (Expecting ':' delimiter, column 22)",
        ),
        ("list.jsonl", '["a", "spam"]\n', "line 1: expected a JSON object"),
        (
            "surrogate.jsonl",
            '{"text": "a", "label": "spam"}\n{"text": "b \\udc00", "label": "ham"}\n',
            "line 2: invalid JSON (a \\u escape makes a lone surrogate, not a character)",
        ),
        ("wide.csv", "text,label\na,spam\nb,ham,extra\n", "line 3: expected 2 fields, found 3"),
        (
            "empty.jsonl",
            '{"text": "a", "label": "spam"}\n{"text": "  ", "label": "ham"}\n',
            "line 2: empty text in column 'text'",
        ),
        (
            "missing.jsonl",
            '{"text": "a", "label": "spam"}\n{"label": "ham"}\n',
            "line 2: missing value in text column 'text'",
        ),
        (
            "number.jsonl",
            '{"text": 5, "label": "spam"}\n',
            "line 1: non-text value (int) in text column 'text'",
        ),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path, name, content, message):
    path = write(tmp_path / name, content)
    with pytest.raises(DataError) as err:
        load_labelled(path)
    assert str(err.value) == f"{path} {message}"


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"text,label\nok,ham\ncaf\xe9,ham\n")
    with pytest.raises(DataError) as err:
        read_table(path)
    assert str(err.value) == f"{path} line 3: not valid UTF-8 (byte 0xe9)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "body,label\nx,spam\n",
            "no text column (looked for text, comment, content, body, message; ",
        ),
        ("text,kind\nx,spam\n", "no label column (looked for label, class, is_spam, spam; "),
    ],
)
def test_missing_columns_are_named(tmp_path, content, message):
    path = write(tmp_path / "cols.csv", content.replace("body", "words"))
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(";", ";")):
        load_labelled(path)


def test_named_column_that_does_not_exist(tmp_path):
    path = write(tmp_path / "c.csv", "text,label\nx,spam\n")
    with pytest.raises(DataError) as err:
        load_labelled(path, text_column="comment_body")
    assert str(err.value) == f"{path}: no text column 'comment_body' (columns: text, label)"


def test_unsupported_missing_and_empty_files(tmp_path):
    with pytest.raises(DataError, match=r"unsupported file type '\.txt'"):
        read_table(write(tmp_path / "a.txt", "x"))
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="no rows"):
        read_table(write(tmp_path / "e.jsonl", "\n\n"))
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_table(write(tmp_path / "bad.parquet", "not parquet"))


def test_a_stray_quote_is_an_error_not_a_silent_merge(tmp_path):
    path = write(tmp_path / "q.csv", 'text,label\n"oops,spam\nb,ham\nc,ham\n')
    with pytest.raises(DataError, match="malformed CSV"):
        load_labelled(path)
