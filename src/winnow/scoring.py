"""Scoring comment tables: every row gains ``spam_probability`` and ``label``."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from winnow.corpus import TEXT_COLUMN_GUESSES, detect_format, pick_column, read_table, texts_of
from winnow.errors import DataError
from winnow.model import SpamModel, label_for


def score_frame(
    frame: pd.DataFrame, text_column: str = "text", model: SpamModel | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` with ``spam_probability`` and ``label`` columns added.

    Missing texts score as empty strings; use :func:`score_file` for strict checks.
    """
    if model is None:
        from winnow.registry import load_model

        model = load_model()
    if text_column not in frame.columns:
        raise DataError("<dataframe>", f"no text column '{text_column}'")
    texts = [t if isinstance(t, str) else "" for t in frame[text_column].tolist()]
    probabilities = model.predict_proba(texts)
    scored = frame.copy()
    scored["spam_probability"] = np.round(probabilities, 6)
    scored["label"] = [label_for(p, model.threshold) for p in probabilities]
    return scored


def score_file(
    model: SpamModel, source: Path, destination: Path | None, text_column: str | None = None
) -> pd.DataFrame:
    """Score a CSV/JSONL/Parquet file, writing the same rows in the same order plus scores.

    ``destination`` picks the output format by extension; ``None`` writes JSONL to stdout.
    Every text must be present and non-blank: the error names the file and line.
    """
    table = read_table(source)
    column = pick_column(table, text_column, TEXT_COLUMN_GUESSES, "text")
    texts_of(table, column)
    scored = score_frame(table.frame, column, model)
    write_table(scored, destination)
    return scored


def write_table(frame: pd.DataFrame, destination: Path | None) -> None:
    """Write by the destination's extension: CSV, TSV, JSONL or Parquet (stdout: JSONL)."""
    if destination is None:
        _write_jsonl(frame, sys.stdout)
        return
    fmt = detect_format(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        _write_parquet(frame, destination)
    elif fmt == "jsonl":
        with destination.open("w", encoding="utf-8") as handle:
            _write_jsonl(frame, handle)
    else:
        frame.to_csv(destination, index=False, sep="\t" if fmt == "tsv" else ",")


def _write_parquet(frame: pd.DataFrame, destination: Path) -> None:
    try:
        frame.to_parquet(destination, index=False)
    except (ValueError, TypeError) as exc:  # pyarrow's errors for mixed-type columns
        raise DataError(destination, f"cannot write Parquet ({exc})") from None


def _write_jsonl(frame: pd.DataFrame, handle: TextIO) -> None:
    for record in frame.to_dict(orient="records"):
        handle.write(json.dumps({k: _plain(v) for k, v in record.items()}, ensure_ascii=False))
        handle.write("\n")


def _plain(value: Any) -> Any:
    """JSON-ready value: numpy scalars unwrapped, NaN as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
