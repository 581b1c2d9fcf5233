"""The Dask engine: the same scoring as the local engine, as a Dask dataframe job.

Inputs are read with Dask's own readers (local paths or any fsspec URL the user
has the filesystem package for), every partition is scored by
:func:`winnow.scoring.score_frame` logic, and the model travels to the workers
once, as one task every partition depends on. Without a scheduler address a
``LocalCluster`` is started, so the path can be tried on one machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from winnow.corpus import FORMATS, TEXT_COLUMN_GUESSES, choose_column
from winnow.errors import DataError, WinnowError
from winnow.model import SpamModel
from winnow.scoring import ScoreOptions, Summary, score_texts, with_scores
from winnow.sinks import EXTENSIONS, TableWriter, is_directory_output, output_format
from winnow.sources import expand_inputs, is_page

BLOCK_BYTES = 16 * 2**20  # input bytes per partition


def score_with_dask(
    model: SpamModel,
    inputs: list[str],
    destination: Path,
    options: ScoreOptions,
    scheduler: str | None = None,
) -> Summary:
    """Score comment tables on a Dask cluster into a file or a directory of part files."""
    try:
        import dask
        import dask.dataframe as dd  # noqa: F401 - checks the extra is installed
    except ImportError:
        raise WinnowError("the dask engine needs Dask: pip install 'winnow[dask]'") from None
    if options.strict or options.rejects is not None:
        raise WinnowError(
            "--strict and --rejects are options of the local engine; the dask "
            "engine skips rows without text and counts them as rejected"
        )
    started = time.perf_counter()
    files, fmt = _table_inputs(inputs)
    with _client(scheduler) as client:
        frame = _read(files, fmt, options)
        column = choose_column(
            files[0], frame.columns, options.text_column, TEXT_COLUMN_GUESSES, "text"
        )
        valid = frame[frame[column].map_partitions(_has_text, meta=(column, bool))]
        model_task = dask.delayed(model, pure=True, traverse=False)
        scored = valid.map_partitions(
            _score_partition,
            model_task,
            column,
            options.explain,
            options.chunk_rows,
            meta=_meta(frame._meta, options.explain),
        )
        if options.only_spam:
            scored = scored[scored["label"] == "spam"]
        summary = _write(client, scored, destination, output_format(destination, options.fmt))
        summary.rejected = int(
            (~frame[column].map_partitions(_has_text, meta=(column, bool))).sum().compute()
        )
    summary.seconds = time.perf_counter() - started
    return summary


def _table_inputs(inputs: list[str]) -> tuple[list[str], str]:
    files = expand_inputs(inputs)
    pages = [f for f in files if is_page(f)]
    if pages:
        raise DataError(pages[0], "the dask engine scores comment tables; score pages locally")
    formats = {FORMATS[f.suffix.lower()] for f in files}
    if len(formats) > 1:
        raise DataError(
            ", ".join(map(str, files[:3])), "the dask engine needs inputs of one format"
        )
    return [str(f) for f in files], formats.pop()


@contextmanager
def _client(scheduler: str | None) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _read(files: list[str], fmt: str, options: ScoreOptions) -> Any:
    import dask.dataframe as dd

    if fmt == "parquet":
        return dd.read_parquet(files)
    if fmt == "jsonl":
        return dd.read_json(files, lines=True, blocksize=BLOCK_BYTES)
    return dd.read_csv(
        files,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        sep="\t" if fmt == "tsv" else ",",
        blocksize=None,  # one partition per file: a quoted newline never straddles a block
    )


def _has_text(values: pd.Series) -> pd.Series:
    return values.map(lambda v: isinstance(v, str) and bool(v.strip())).astype(bool)


def _score_partition(
    frame: pd.DataFrame, model: SpamModel, column: str, explain: bool, chunk_rows: int
) -> pd.DataFrame:
    """Score a partition a chunk at a time, so a worker's memory stays bounded."""
    parts = [
        with_scores(part, model, *score_texts(model, part[column].tolist(), explain))
        for part in (frame.iloc[i : i + chunk_rows] for i in range(0, len(frame), chunk_rows))
    ]
    return (
        pd.concat(parts) if parts else with_scores(frame, model, *score_texts(model, [], explain))
    )


def _meta(meta: pd.DataFrame, explain: bool) -> pd.DataFrame:
    meta = meta.copy()
    meta["spam_probability"] = pd.Series(dtype=float)
    meta["label"] = pd.Series(dtype=object)
    meta["model_version"] = pd.Series(dtype=object)
    if explain:
        meta["reasons"] = pd.Series(dtype=object)
    return meta


def _write(client: Any, scored: Any, destination: Path, fmt: str) -> Summary:
    """One file: partitions computed a few at a time and appended in order; a directory:
    one part file per partition, written by the workers."""
    summary = Summary()
    if is_directory_output(destination):
        destination.mkdir(parents=True, exist_ok=True)
        name = "part-*" + EXTENSIONS[fmt]
        if fmt == "parquet":
            scored.to_parquet(str(destination), write_index=False)
        elif fmt == "jsonl":
            scored.to_json(str(destination / name), orient="records", lines=True)
        else:
            scored.to_csv(str(destination / name), index=False, sep="\t" if fmt == "tsv" else ",")
        counts = scored["label"].value_counts().compute()
        summary.rows, summary.spam = int(counts.sum()), int(counts.get("spam", 0))
        summary.outputs = [str(destination)]
        return summary
    writer, success = TableWriter(destination, fmt), False
    try:
        parts = scored.to_delayed()
        window = max(len(client.scheduler_info()["workers"]), 1)
        for start in range(0, len(parts), window):
            for part in client.compute(parts[start : start + window], sync=True):
                writer.write(part)
                summary.rows += len(part)
                summary.spam += int((part["label"] == "spam").sum())
        success = True
    finally:
        writer.close(success)
    summary.outputs = [str(destination)]
    return summary
