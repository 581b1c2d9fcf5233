"""What ``winnow score`` reads: comment tables and scraped pages, in bounded chunks.

Inputs are files, directories (searched recursively) or glob patterns. Tables
(CSV, TSV, JSONL, Parquet) are read a chunk of rows at a time, so memory does not
grow with the file; pages (.txt, .html) are segmented and each comment unit
becomes a row. A row that cannot be scored (undecodable bytes, invalid JSON,
missing or blank text) becomes a :class:`Reject` with its location and reason
instead of stopping the run.
"""

from __future__ import annotations

import csv
import glob
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from winnow.corpus import FORMATS, TEXT_COLUMN_GUESSES, choose_column
from winnow.errors import DataError
from winnow.pages import HTML_SUFFIXES, TEXT_SUFFIXES, read_page

PAGE_SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES
PAGE_COLUMNS = ["page", "line_start", "line_end", "element", "kind", "author", "author_url", "text"]


@dataclass
class Reject:
    """A row left out of scoring, with where it was and why."""

    source: str
    location: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "location": self.location, "reason": self.reason}


@dataclass
class Chunk:
    """Rows ready to score (``texts`` aligned with ``frame``) and the rows rejected."""

    source: Path
    frame: pd.DataFrame
    texts: list[str]
    rejects: list[Reject] = field(default_factory=list)


def expand_inputs(inputs: list[str]) -> list[Path]:
    """Files named, found under directories, or matched by glob patterns, in a stable order."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and _readable(p)))
        elif path.is_file():
            found.append(path)
        elif matches := sorted(glob.glob(item, recursive=True)):
            found.extend(Path(m) for m in matches if Path(m).is_file() and _readable(Path(m)))
        else:
            raise DataError(item, "no such file, directory or matching pattern")
    if not found:
        raise DataError(", ".join(inputs), "no CSV, JSONL, Parquet or page files found")
    return found


def _readable(path: Path) -> bool:
    return path.suffix.lower() in FORMATS or path.suffix.lower() in PAGE_SUFFIXES


def is_page(path: Path) -> bool:
    return path.suffix.lower() in PAGE_SUFFIXES


def read_chunks(
    path: Path,
    text_column: str | None,
    chunk_rows: int,
    segment: Callable[[Any], list[Any]] | None = None,
) -> Iterator[Chunk]:
    """Chunks of one input file; ``segment`` turns a page into segments."""
    if is_page(path):
        if segment is None:
            raise DataError(path, "pages need a page segmenter")
        yield _page_chunk(path, segment)
        return
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(path, f"unsupported file type '{path.suffix}'")
    records = (
        _parquet_records(path, chunk_rows)
        if fmt == "parquet"
        else (_jsonl_records(path) if fmt == "jsonl" else _csv_records(path, fmt))
    )
    yield from _chunked(path, records, text_column, chunk_rows)


def _page_chunk(path: Path, segment: Callable[[Any], list[Any]]) -> Chunk:
    """The comment units of a page; an unreadable page is one reject, not the end of the run."""
    try:
        page = read_page(path)
    except DataError as exc:
        empty = pd.DataFrame(columns=PAGE_COLUMNS)
        return Chunk(path, empty, [], [Reject(str(path), "page", exc.reason)])
    segments = [s for s in segment(page) if s.kind == "comment"]
    rows = [
        {"page": str(path), **{k: v for k, v in s.as_dict().items() if k != "confidence"}}
        for s in segments
    ]
    frame = pd.DataFrame(rows, columns=PAGE_COLUMNS).astype(object)
    return Chunk(path, frame, frame["text"].tolist())


# Each record source yields (location, row dict) or (location, Reject reason string).
Record = tuple[str, "dict[str, Any] | str"]


def _jsonl_records(path: Path) -> Iterator[Record]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            where = f"line {number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield where, "not valid UTF-8"
                continue
            if not line.strip():
                continue
            try:
                record = _loads(line)
            except json.JSONDecodeError as exc:
                yield where, f"invalid JSON ({exc.msg}, column {exc.colno})"
                continue
            except UnicodeError:
                yield where, "invalid JSON (a \\u escape makes a lone surrogate, not a character)"
                continue
            yield where, record if isinstance(record, dict) else "expected a JSON object"


def _loads(line: str) -> Any:
    """orjson's parse; the standard library's where orjson refuses a line (NaN
    literals, huge integers), with errors worded the standard way. A lone surrogate
    (``"\\ud800"``) raises ``UnicodeError``: no text column or output could hold it."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        record = json.loads(line)
        json.dumps(record, ensure_ascii=False).encode("utf-8")
        return record


def _decoded_lines(path: Path, bad: list[int]) -> Iterator[str]:
    """The file's lines as text; undecodable lines are noted in ``bad`` and left out."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                bad.append(number)
                yield ""  # keeps the reader's line numbers true


def _csv_records(path: Path, fmt: str) -> Iterator[Record]:
    bad: list[int] = []
    reader = csv.reader(
        _decoded_lines(path, bad), delimiter="\t" if fmt == "tsv" else ",", strict=True
    )
    header = next(reader, None)
    if header is None:
        raise DataError(path, "no rows")
    start = reader.line_num + 1
    try:
        for row in reader:
            while bad:
                yield f"line {bad.pop(0)}", "not valid UTF-8"
            if row and len(row) != len(header):
                yield f"line {start}", f"expected {len(header)} fields, found {len(row)}"
            elif row:
                yield f"line {start}", dict(zip(header, row, strict=True))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(path, f"malformed CSV ({exc})", f"line {start}") from None
    for number in bad:
        yield f"line {number}", "not valid UTF-8"


def _parquet_records(path: Path, chunk_rows: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises many types for a broken file
        raise DataError(path, f"not a readable Parquet file ({type(exc).__name__})") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        for record in batch.to_pylist():
            number += 1
            yield f"row {number}", record


def _chunked(
    path: Path, records: Iterator[Record], text_column: str | None, chunk_rows: int
) -> Iterator[Chunk]:
    column, rows, texts, rejects, checked = text_column, [], [], [], False
    for where, record in records:
        if isinstance(record, str):
            rejects.append(Reject(str(path), where, record))
            continue
        if not checked:
            column = choose_column(path, record, column, TEXT_COLUMN_GUESSES, "text")
            checked = True
        problem = _text_problem(record, column)
        if problem:
            rejects.append(Reject(str(path), where, problem))
            continue
        rows.append(record)
        texts.append(record[column])
        if len(rows) >= chunk_rows:
            yield Chunk(path, pd.DataFrame.from_records(rows), texts, rejects)
            rows, texts, rejects = [], [], []
    if rows or rejects:
        yield Chunk(path, pd.DataFrame.from_records(rows), texts, rejects)


def _text_problem(record: dict[str, Any], column: str) -> str | None:
    if column not in record:
        return f"no '{column}' value"
    value = record[column]
    if value is None or (isinstance(value, float) and value != value):
        return f"missing value in text column '{column}'"
    if not isinstance(value, str):
        return f"non-text value ({type(value).__name__}) in text column '{column}'"
    if not value.strip():
        return f"empty text in column '{column}'"
    return None
