"""Scoring: every comment row gains ``spam_probability``, ``label`` and ``model_version``.

:func:`score_frame` scores a DataFrame in memory. :func:`score_inputs` is the
batch job behind ``winnow score``: it streams chunks from the inputs
(:mod:`winnow.sources`), scores them in this process or in ``jobs`` worker
processes (each loads the verified model once), and writes them, in input
order, as they come (:mod:`winnow.sinks`).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from winnow.errors import DataError, WinnowError
from winnow.model import SpamModel, label_for
from winnow.sinks import EXTENSIONS, TableWriter, is_directory_output, output_format
from winnow.sources import Chunk, Reject, expand_inputs, read_chunks

SCORE_COLUMNS = ["spam_probability", "label", "model_version"]


def score_frame(
    frame: pd.DataFrame,
    text_column: str = "text",
    model: SpamModel | None = None,
    explain: bool = False,
) -> pd.DataFrame:
    """A copy of ``frame`` with ``spam_probability``, ``label`` and ``model_version``
    (and ``reasons`` with ``explain``). Missing texts score as empty strings."""
    if model is None:
        from winnow.registry import load_model

        model = load_model()
    if text_column not in frame.columns:
        raise DataError("<dataframe>", f"no text column '{text_column}'")
    texts = [t if isinstance(t, str) else "" for t in frame[text_column].tolist()]
    return with_scores(frame, model, *score_texts(model, texts, explain))


def score_texts(
    model: SpamModel, texts: list[str], explain: bool = False
) -> tuple[np.ndarray, list[list[str]] | None]:
    """Spam probabilities (rounded to 6 places) and, with ``explain``, the top n-grams.
    The texts are cleaned once for both."""
    docs = model.prepare(texts)
    probabilities = np.round(model.predict_proba(docs), 6)
    if not explain:
        return probabilities, None
    return probabilities, [[r["ngram"] for r in rs] for rs in model.explain_each(docs, top=3)]


def with_scores(
    frame: pd.DataFrame,
    model: SpamModel,
    probabilities: np.ndarray,
    reasons: list[list[str]] | None,
) -> pd.DataFrame:
    scored = frame.copy()
    scored["spam_probability"] = probabilities.astype(float)
    scored["label"] = [label_for(p, model.threshold) for p in probabilities]
    scored["model_version"] = model.version
    if reasons is not None:
        scored["reasons"] = ["; ".join(r) for r in reasons]
    return scored


@dataclass
class ScoreOptions:
    """How ``winnow score`` runs."""

    text_column: str | None = None
    chunk_rows: int = 10_000
    jobs: int = 1
    explain: bool = False
    only_spam: bool = False
    strict: bool = False
    fmt: str | None = None
    rejects: Path | None = None


@dataclass
class Summary:
    """What a scoring run did."""

    rows: int = 0
    spam: int = 0
    rejected: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    rejects_file: str | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def score_inputs(
    model: SpamModel,
    inputs: list[str],
    destination: Path | None,
    options: ScoreOptions,
    segment: Callable[[Any], list[Any]] | None = None,
    on_progress: Callable[[int], None] | None = None,
    model_source: tuple[str, str] | None = None,
) -> Summary:
    """Score every input into ``destination`` (file, directory, or stdout when None).

    ``model_source`` (models folder, version) lets worker processes load the
    same verified model when ``options.jobs`` > 1.
    """
    started, summary = time.perf_counter(), Summary()
    files = expand_inputs(inputs)
    sinks = _Sinks(destination, output_format(destination, options.fmt), options)
    success = False
    try:
        scored = _score_chunks(model, _all_chunks(files, options, segment), options, model_source)
        for chunk, frame in scored:
            _record_rejects(chunk.rejects, options, sinks, summary)
            summary.rows += len(frame)
            summary.spam += int((frame["label"] == "spam").sum()) if len(frame) else 0
            if options.only_spam and len(frame):
                frame = frame[frame["label"] == "spam"]
            sinks.write(chunk.source, frame)
            if on_progress is not None:
                on_progress(len(chunk.texts) + len(chunk.rejects))
        success = True
    finally:
        summary.outputs, summary.rejects_file = sinks.close(success)
    summary.seconds = time.perf_counter() - started
    return summary


def _all_chunks(
    files: list[Path], options: ScoreOptions, segment: Callable[[Any], list[Any]] | None
) -> Iterator[Chunk]:
    for path in files:
        yield from read_chunks(path, options.text_column, options.chunk_rows, segment)


def _record_rejects(
    rejects: list[Reject], options: ScoreOptions, sinks: _Sinks, summary: Summary
) -> None:
    if rejects and options.strict:
        first = rejects[0]
        raise DataError(first.source, first.reason, first.location)
    summary.rejected += len(rejects)
    sinks.reject(rejects)


def _score_chunks(
    model: SpamModel,
    chunks: Iterator[Chunk],
    options: ScoreOptions,
    model_source: tuple[str, str] | None,
) -> Iterator[tuple[Chunk, pd.DataFrame]]:
    """(chunk, scored frame) in input order, scored here or in worker processes."""
    first = next(chunks, None)
    if first is None:
        return
    yield first, with_scores(first.frame, model, *score_texts(model, first.texts, options.explain))
    if options.jobs <= 1 or model_source is None:
        for chunk in chunks:
            yield (
                chunk,
                with_scores(chunk.frame, model, *score_texts(model, chunk.texts, options.explain)),
            )
        return
    # Worker processes only start once a second chunk shows the input is not tiny.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        options.jobs, mp_context=context, initializer=_load_worker_model, initargs=model_source
    ) as pool:
        pending: deque[tuple[Chunk, Future]] = deque()
        for chunk in chunks:
            pending.append((chunk, pool.submit(_worker_score, chunk.texts, options.explain)))
            if len(pending) > options.jobs:
                yield _finish(model, *pending.popleft())
        while pending:
            yield _finish(model, *pending.popleft())


def _finish(model: SpamModel, chunk: Chunk, future: Future) -> tuple[Chunk, pd.DataFrame]:
    try:
        return chunk, with_scores(chunk.frame, model, *future.result())
    except BrokenProcessPool:
        raise WinnowError(
            "a scoring worker died (out of memory, or the model failed to load "
            "there); run with --jobs 1 to see why"
        ) from None


_WORKER_MODEL: SpamModel | None = None


def _load_worker_model(models_dir: str, version: str) -> None:
    """Worker initializer: load (and verify) the model once per process."""
    global _WORKER_MODEL
    from winnow.registry import load_model

    _WORKER_MODEL = load_model(models_dir, version)


def _worker_score(texts: list[str], explain: bool) -> tuple[np.ndarray, list[list[str]] | None]:
    return score_texts(_WORKER_MODEL, texts, explain)


class _Sinks:
    """The output writer(s): one file, stdout, or one file per input in a directory."""

    def __init__(self, destination: Path | None, fmt: str, options: ScoreOptions) -> None:
        self.destination, self.fmt = destination, fmt
        self.per_input = destination is not None and is_directory_output(destination)
        self.writers: dict[Path, TableWriter] = {}
        self.rejects_path = options.rejects or _default_rejects(destination, self.per_input)
        self.rejects_writer: TableWriter | None = None

    def write(self, source: Path, frame: pd.DataFrame) -> None:
        key = source if self.per_input else Path("-")
        if key not in self.writers:
            self.writers[key] = TableWriter(self._target(source), self.fmt)
        self.writers[key].write(frame)

    def _target(self, source: Path) -> Path | None:
        if not self.per_input:
            return self.destination
        name = source.stem + EXTENSIONS[self.fmt]
        taken = {w.destination for w in self.writers.values()}
        target, n = self.destination / name, 1
        while target in taken:
            n += 1
            target = self.destination / f"{source.stem}-{n}{EXTENSIONS[self.fmt]}"
        return target

    def reject(self, rejects: list[Reject]) -> None:
        if not rejects:
            return
        if self.rejects_writer is None:
            self.rejects_writer = TableWriter(self.rejects_path, "jsonl")
        self.rejects_writer.write(pd.DataFrame([r.as_dict() for r in rejects]))

    def close(self, success: bool) -> tuple[list[str], str | None]:
        for writer in self.writers.values():
            writer.close(success)
        if self.rejects_writer is not None:
            self.rejects_writer.close(True)
        outputs = [str(w.destination or "<stdout>") for w in self.writers.values()]
        return outputs, str(self.rejects_path) if self.rejects_writer else None


def _default_rejects(destination: Path | None, per_input: bool) -> Path:
    if destination is None:
        return Path("winnow-rejects.jsonl")
    if per_input:
        return destination / "rejects.jsonl"
    return destination.with_name(destination.name + ".rejects.jsonl")
