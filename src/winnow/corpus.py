"""Reading comment tables: CSV, JSONL and Parquet, labelled or not.

Rows keep the place they came from (``line N`` for text formats, ``row N`` for
Parquet) so that every complaint about bad data names the file and the line.
The YouTube Spam Collection's format (``CONTENT``, ``CLASS``, HTML in the text)
is recognised as is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from winnow.errors import DataError
from winnow.normalize import strip_html

SPAM, HAM = 1, 0
LABEL_NAMES = {SPAM: "spam", HAM: "ham"}
DEFAULT_SPAM_VALUES = ("spam", "1", "true", "yes")
DEFAULT_HAM_VALUES = ("ham", "0", "false", "no")
TEXT_COLUMN_GUESSES = ("text", "comment", "content", "body", "message")
LABEL_COLUMN_GUESSES = ("label", "class", "is_spam", "spam")
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
YOUTUBE_COLUMNS = {"CONTENT", "CLASS", "COMMENT_ID"}


@dataclass
class Table:
    """A table read from a file, with each row's location in that file."""

    path: Path
    frame: pd.DataFrame
    locations: list[str] = field(default_factory=list)

    def where(self, index: int) -> str:
        return self.locations[index]


def detect_format(path: Path) -> str:
    """The table format named by the file's extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise DataError(path, f"unsupported file type '{path.suffix}' (expected one of {known})")
    return fmt


def read_table(path: Path | str) -> Table:
    """Read a CSV/TSV, JSONL or Parquet file into a :class:`Table`."""
    path = Path(path)
    fmt = detect_format(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    if fmt == "parquet":
        table = _read_parquet(path)
    else:
        text = _decode(path)
        table = _read_jsonl(path, text) if fmt == "jsonl" else _read_csv(path, text, fmt)
    if table.frame.empty:
        raise DataError(path, "no rows")
    return table


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", f"line {line}"
        ) from None


def _read_jsonl(path: Path, text: str) -> Table:
    records, locations = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                path, f"invalid JSON ({exc.msg}, column {exc.colno})", f"line {number}"
            ) from None
        if not isinstance(record, dict):
            raise DataError(path, "expected a JSON object", f"line {number}")
        records.append(record)
        locations.append(f"line {number}")
    try:
        frame = pd.DataFrame.from_records(records)
    except UnicodeEncodeError:  # pandas' Arrow-backed strings refuse lone surrogates
        where = next(loc for loc, r in zip(locations, records, strict=True) if not _encodable(r))
        message = "invalid JSON (a \\u escape makes a lone surrogate, not a character)"
        raise DataError(path, message, where) from None
    return Table(path, frame, locations)


def _encodable(value: object) -> bool:
    """Whether every string in a parsed JSON value encodes as UTF-8."""
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(map(_encodable, value))
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def _read_csv(path: Path, text: str, fmt: str) -> Table:
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter="\t" if fmt == "tsv" else ",", strict=True
    )
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(path, "no rows") from None
    records, locations, start = [], [], reader.line_num + 1
    try:
        for row in reader:
            if row:
                _check_width(path, header, row, start)
                records.append(row)
                locations.append(f"line {start}")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(path, f"malformed CSV ({exc})", f"line {start}") from None
    return Table(path, pd.DataFrame(records, columns=header, dtype=object), locations)


def _check_width(path: Path, header: list[str], row: list[str], line: int) -> None:
    if len(row) != len(header):
        raise DataError(path, f"expected {len(header)} fields, found {len(row)}", f"line {line}")


def _read_parquet(path: Path) -> Table:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a broken file
        raise DataError(path, f"not a readable Parquet file ({type(exc).__name__})") from None
    return Table(path, frame.reset_index(drop=True), [f"row {i}" for i in range(1, len(frame) + 1)])


def is_youtube_format(frame: pd.DataFrame) -> bool:
    """True for the YouTube Spam Collection's CSV layout."""
    return set(frame.columns) >= YOUTUBE_COLUMNS


def pick_column(table: Table, wanted: str | None, guesses: Sequence[str], role: str) -> str:
    """The column of a table to use for ``role`` (see :func:`choose_column`)."""
    return choose_column(table.path, table.frame.columns, wanted, guesses, role)


def choose_column(
    path: Path | str,
    columns: Iterable[object],
    wanted: str | None,
    guesses: Sequence[str],
    role: str,
) -> str:
    """The column to use for ``role``: the one asked for, else the first known name
    (case-insensitive); an error naming the file and its columns otherwise."""
    names = [str(c) for c in columns]
    if wanted is not None:
        if wanted in names:
            return wanted
        raise DataError(path, f"no {role} column '{wanted}' (columns: {', '.join(names)})")
    by_lower = {c.lower(): c for c in names}
    for guess in guesses:
        if guess in by_lower:
            return by_lower[guess]
    raise DataError(
        path,
        f"no {role} column (looked for {', '.join(guesses)}; "
        f"columns: {', '.join(names)}); name it with --{role}-column",
    )


def texts_of(table: Table, column: str) -> list[str]:
    """The text column as strings; a missing, non-text or blank value is an error."""
    texts = []
    for index, value in enumerate(table.frame[column].tolist()):
        if not isinstance(value, str):
            kind = (
                "missing value"
                if _is_missing(value)
                else f"non-text value ({type(value).__name__})"
            )
            raise DataError(table.path, f"{kind} in text column '{column}'", table.where(index))
        if not value.strip():
            raise DataError(table.path, f"empty text in column '{column}'", table.where(index))
        texts.append(value)
    return texts


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


@dataclass(frozen=True)
class LabelSpelling:
    """Which raw label values mean spam and which mean ham (case-insensitive)."""

    spam: tuple[str, ...] = DEFAULT_SPAM_VALUES
    ham: tuple[str, ...] = DEFAULT_HAM_VALUES

    def parse(self, value: object) -> int | None:
        raw = _label_key(value)
        if raw in self.spam:
            return SPAM
        if raw in self.ham:
            return HAM
        return None

    def expected(self) -> str:
        return ", ".join(self.spam + self.ham)


def _label_key(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def labels_of(table: Table, column: str, spelling: LabelSpelling) -> list[int]:
    """The label column as 1 (spam) / 0 (ham); an unknown spelling is an error."""
    labels = []
    for index, value in enumerate(table.frame[column].tolist()):
        label = spelling.parse(value)
        if label is None:
            raise DataError(
                table.path,
                f"unknown label {value!r} in column '{column}' "
                f"(expected one of {spelling.expected()})",
                table.where(index),
            )
        labels.append(label)
    return labels


def load_labelled(
    path: Path | str,
    text_column: str | None = None,
    label_column: str | None = None,
    spelling: LabelSpelling | None = None,
) -> pd.DataFrame:
    """Read one labelled file into columns ``text``, ``label`` (1 = spam), ``source``.

    ``family`` and ``author`` are kept when the file has them; ``source``
    defaults to the file's stem, so leave-one-source-out works on any files.
    """
    table = read_table(path)
    youtube = is_youtube_format(table.frame)
    text_col = pick_column(
        table, text_column or ("CONTENT" if youtube else None), TEXT_COLUMN_GUESSES, "text"
    )
    label_col = pick_column(
        table, label_column or ("CLASS" if youtube else None), LABEL_COLUMN_GUESSES, "label"
    )
    texts = texts_of(table, text_col)
    frame = pd.DataFrame(
        {
            "text": [strip_html(t) for t in texts] if youtube else texts,
            "label": labels_of(table, label_col, spelling or LabelSpelling()),
        }
    )
    return _with_optional_columns(frame, table, youtube)


def _with_optional_columns(frame: pd.DataFrame, table: Table, youtube: bool) -> pd.DataFrame:
    source = table.frame.get("source")
    frame["source"] = source.tolist() if source is not None else table.path.stem
    for name, column in (("family", "family"), ("author", "AUTHOR" if youtube else "author")):
        if column in table.frame.columns:
            frame[name] = table.frame[column].tolist()
    return frame
