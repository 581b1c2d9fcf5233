"""Where scored rows go: CSV, TSV, JSONL or Parquet, written chunk by chunk.

A file output is opened once and appended to, so output, like input, never has to
fit in memory. A directory output gets one file per input partition (input file),
named after it. Without an output, JSONL goes to stdout.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import orjson
import pandas as pd

from winnow.corpus import FORMATS
from winnow.errors import DataError

EXTENSIONS = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "parquet": ".parquet"}


def output_format(destination: Path | None, fmt: str | None) -> str:
    """The format asked for, else the one the destination's extension names."""
    if fmt is not None:
        if fmt not in EXTENSIONS:
            raise DataError(fmt, f"unknown output format (expected one of {', '.join(EXTENSIONS)})")
        return fmt
    if destination is None or is_directory_output(destination):
        return "jsonl"
    found = FORMATS.get(destination.suffix.lower())
    if found is None:
        raise DataError(
            destination,
            f"unsupported output type '{destination.suffix}' "
            "(use .csv, .tsv, .jsonl or .parquet, or --format)",
        )
    return found


def is_directory_output(destination: Path) -> bool:
    return destination.is_dir() or destination.suffix == "" or str(destination).endswith("/")


class TableWriter:
    """Appends DataFrames to one output file (or stdout) in one format.

    A file is written under a temporary name and moved into place by
    ``close(success=True)``, so a failed run never leaves a truncated file that
    looks complete (nor wipes an earlier output). CSV and Parquet take their
    columns from the first rows written; JSONL writes each row as it is.
    """

    def __init__(self, destination: Path | None, fmt: str) -> None:
        self.destination = destination
        self.fmt = fmt
        self.rows = 0
        self._handle: TextIO | None = None
        self._parquet: Any = None
        self._columns: list[str] | None = None
        self._pending_columns: list[str] = []
        self._temporary = (
            destination.with_name(f".{destination.name}.partial") if destination else None
        )

    def write(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            if self._columns is None and len(frame.columns):
                self._pending_columns = list(frame.columns)
            return
        if self.fmt == "jsonl":
            _write_jsonl(frame, self._text_handle())
        else:
            if self._columns is None:
                self._columns = list(frame.columns)
            frame = frame.reindex(columns=self._columns)
            if self.fmt == "parquet":
                self._write_parquet(frame)
            else:
                frame.to_csv(
                    self._text_handle(),
                    index=False,
                    header=self.rows == 0,
                    sep="\t" if self.fmt == "tsv" else ",",
                )
        self.rows += len(frame)

    def _text_handle(self) -> TextIO:
        if self._handle is None:
            if self._temporary is None:
                self._handle = sys.stdout
            else:
                self._temporary.parent.mkdir(parents=True, exist_ok=True)
                self._handle = self._temporary.open("w", encoding="utf-8", newline="")
        return self._handle

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            if self._parquet is None:
                self._temporary.parent.mkdir(parents=True, exist_ok=True)
                self._parquet = pq.ParquetWriter(self._temporary, _schema(frame))
            table = pa.Table.from_pandas(frame, schema=self._parquet.schema, preserve_index=False)
            self._parquet.write_table(table)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise DataError(self.destination, f"cannot write Parquet ({exc})") from None

    def close(self, success: bool = True) -> None:
        """Finish the file: moved into place on success, removed otherwise."""
        if self.rows == 0 and success and self._temporary is not None:
            self._write_empty()
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is sys.stdout:
            sys.stdout.flush()
        elif self._handle is not None:
            self._handle.close()
        if self._temporary is not None and self._temporary.exists():
            if success:
                os.replace(self._temporary, self.destination)
            else:
                self._temporary.unlink()

    def _write_empty(self) -> None:
        """An output with no rows still gets its header (CSV) or schema (Parquet)."""
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in self._pending_columns})
        if self.fmt == "parquet":
            self._write_parquet(empty)
        elif self.fmt == "jsonl":
            self._text_handle()
        else:
            empty.to_csv(self._text_handle(), index=False, sep="\t" if self.fmt == "tsv" else ",")


def _schema(frame: pd.DataFrame) -> Any:
    """Arrow schema of a frame, with all-missing and mixed object columns as strings,
    so a later chunk with values in them still fits."""
    import pyarrow as pa

    fields = []
    for name in frame.columns:
        try:
            kind = pa.Table.from_pandas(frame[[name]], preserve_index=False).schema.field(0).type
        except (pa.ArrowException, TypeError, ValueError):
            kind = pa.string()
        fields.append(pa.field(str(name), pa.string() if pa.types.is_null(kind) else kind))
    return pa.schema(fields)


_ORJSON_OPTIONS = (
    orjson.OPT_SERIALIZE_NUMPY
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_APPEND_NEWLINE
)


def _write_jsonl(frame: pd.DataFrame, handle: TextIO) -> None:
    handle.write("".join(map(_json_line, _records(frame))))


def _records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """The rows as dicts of plain values, as ``to_dict(orient="records")`` gives them,
    built from whole columns: pandas boxes an Arrow-backed string column's values
    one by one, which costs several times more."""
    columns = [frame.iloc[:, i].tolist() for i in range(frame.shape[1])]
    names = list(frame.columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _json_line(record: dict[str, Any]) -> str:
    """One JSON line: by orjson (NaN as null, NumPy values natively), or by the
    standard library for what orjson refuses (lone surrogates, huge integers)."""
    try:
        return orjson.dumps(record, default=_json_default, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        row = {k: _plain(v) for k, v in record.items()}
        return json.dumps(row, ensure_ascii=False, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    """Dates and times as ISO 8601 (a missing one as null), anything else JSON lacks
    as its text."""
    if value is pd.NaT:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _plain(value: Any) -> Any:
    """JSON-ready value: numpy scalars and arrays unwrapped, NaN as null."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    return value
