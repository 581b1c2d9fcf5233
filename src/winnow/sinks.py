"""Where scored rows go: CSV, TSV, JSONL or Parquet, written chunk by chunk.

A file output is opened once and appended to, so output, like input, never has to
fit in memory. A directory output gets one file per input partition (input file),
named after it. Without an output, JSONL goes to stdout.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np
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
    """Appends DataFrames to one output file (or stdout) in one format."""

    def __init__(self, destination: Path | None, fmt: str) -> None:
        self.destination = destination
        self.fmt = fmt
        self.rows = 0
        self._handle: TextIO | None = None
        self._parquet: Any = None
        self._columns: list[str] | None = None
        self._started = False

    def write(self, frame: pd.DataFrame) -> None:
        if self._columns is None:
            self._columns = list(frame.columns)
        frame = frame.reindex(columns=self._columns)
        if self.fmt == "parquet":
            self._write_parquet(frame)
        elif self.fmt == "jsonl":
            _write_jsonl(frame, self._text_handle())
        else:
            frame.to_csv(
                self._text_handle(),
                index=False,
                header=not self._started,
                sep="\t" if self.fmt == "tsv" else ",",
            )
        self._started = True
        self.rows += len(frame)

    def _text_handle(self) -> TextIO:
        if self._handle is None:
            if self.destination is None:
                self._handle = sys.stdout
            else:
                self.destination.parent.mkdir(parents=True, exist_ok=True)
                self._handle = self.destination.open("w", encoding="utf-8", newline="")
        return self._handle

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            if self._parquet is None:
                self.destination.parent.mkdir(parents=True, exist_ok=True)
                table = pa.Table.from_pandas(frame, preserve_index=False)
                self._parquet = pq.ParquetWriter(self.destination, table.schema)
            else:
                table = pa.Table.from_pandas(
                    frame, schema=self._parquet.schema, preserve_index=False
                )
            self._parquet.write_table(table)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
            raise DataError(self.destination, f"cannot write Parquet ({exc})") from None

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None and self._handle is not sys.stdout:
            self._handle.close()
        elif self._handle is sys.stdout:
            sys.stdout.flush()


def _write_jsonl(frame: pd.DataFrame, handle: TextIO) -> None:
    for record in frame.to_dict(orient="records"):
        handle.write(json.dumps({k: _plain(v) for k, v in record.items()}, ensure_ascii=False))
        handle.write("\n")


def _plain(value: Any) -> Any:
    """JSON-ready value: numpy scalars and arrays unwrapped, NaN as null."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
