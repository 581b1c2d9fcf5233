"""Training: corpus in, evaluated and versioned model out."""

from __future__ import annotations

import functools
import hashlib
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pandas as pd

from winnow import __version__
from winnow.config import TrainingConfig
from winnow.corpus import load_labelled
from winnow.errors import DataError
from winnow.evaluation import (
    Extra,
    OutOfFold,
    check_enough_rows,
    classification_metrics,
    leave_one_template_out,
    out_of_fold,
    threshold_for_fpr,
)
from winnow.fastscore import TABLES_FILE, FastScorer, tables_bytes, verification_texts, verify
from winnow.model import build_pipeline
from winnow.pages import AnnotatedPage, comments_of, load_annotated_pages
from winnow.registry import (
    ARTIFACT_FILE,
    SEGMENTER_FILE,
    new_version,
    promote,
    save_model,
    sha256_of,
)
from winnow.segment import PageSegmenter

LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "joblib")


@dataclass
class TrainingResult:
    """What a training run produced."""

    version: str
    path: Path
    metadata: dict[str, Any]
    promoted: bool

    @property
    def metrics(self) -> dict[str, Any]:
        return self.metadata["metrics"]


@dataclass
class Corpus:
    """The labelled comments a model trains on, where they came from, and the pages."""

    frame: pd.DataFrame
    described: list[dict[str, Any]]
    pages: list[AnnotatedPage]
    files: list[Path]


def load_corpus(
    config: TrainingConfig, data_files: list[Path] | None = None, pages_dir: Path | None = None
) -> Corpus:
    """Comment tables plus the comments of annotated pages, each row with weight 1.

    ``data_files`` and ``pages_dir`` replace the configuration's comment files and
    annotated-pages folder when given.
    """
    files = [Path(f) for f in (data_files or config.data.files)]
    frames = _comment_tables(config, files)
    described = [_describe_file(f, frame) for f, frame in zip(files, frames, strict=True)]
    pages = _annotated_pages(pages_dir or config.pages.folder)
    if pages:
        frames.append(_page_comments(pages))
        described.append(_describe_pages(pages_dir or config.pages.folder, pages, frames[-1]))
    frame = pd.concat(frames, ignore_index=True)
    frame["weight"] = 1.0
    return Corpus(frame, described, pages, files)


def _comment_tables(config: TrainingConfig, files: list[Path]) -> list[pd.DataFrame]:
    return [
        load_labelled(f, text_column=config.data.text_column, label_column=config.data.label_column)
        for f in files
    ]


def bundled_comments(config: TrainingConfig) -> pd.DataFrame:
    """The configuration's own comment files (the bundled corpus), without its pages:
    what ``--with-corpus`` puts behind a user's files."""
    return pd.concat(_comment_tables(config, config.data.files), ignore_index=True)


def train(
    config: TrainingConfig,
    models_dir: Path,
    data_files: list[Path] | None = None,
    pages_dir: Path | None = None,
    promote_model: bool = True,
    extra: pd.DataFrame | None = None,
    extra_metadata: dict[str, Any] | None = None,
    corpus: Corpus | None = None,
    jobs: int = 1,
    behind: pd.DataFrame | None = None,
) -> TrainingResult:
    """Cross-validate, pick the thresholds, fit on all data, save and promote.

    Annotated pages train the page segmenter, and their comments join the spam
    model's training data. ``extra`` rows (``text``, ``label``, ``weight``: the
    moderators' feedback) join it too; ``extra_metadata`` is saved with the model.
    A ``corpus`` already loaded by the caller is used instead of loading it again.
    ``behind`` rows (the bundled corpus behind a user's own files: ``--with-corpus``)
    train every fold and the final model at ``[model] corpus_weight``, but are never
    held out: the metrics and thresholds are those of the user's comments.
    ``jobs`` > 1 runs the cross-validation folds and the final fit, and the
    segmenter's leave-one-template-out fits, in that many worker processes.
    """
    corpus = corpus or load_corpus(config, data_files, pages_dir)
    frame = corpus.frame
    if extra is not None and len(extra):
        frame = pd.concat([frame, extra[["text", "label", "weight"]]], ignore_index=True)
        frame["label"] = frame["label"].astype(int)
    _check_trainable(frame, config, corpus.files)
    extra = None if behind is None else Extra.of_frame(behind, config.model.corpus_weight)
    artifacts, thresholds, metrics, folds = _fit_spam_model(config, frame, jobs, extra)
    version = new_version(models_dir)
    metadata = _metadata(config, version, corpus.described, thresholds, metrics)
    if extra is not None:
        metadata["corpus_behind"] = {"rows": len(extra.labels), "weight": float(extra.weights[0])}
    metadata.update(extra_metadata or {})
    if corpus.pages:
        segmenter, metadata["segmenter"] = _fit_segmenter(config, corpus.pages, jobs)
        artifacts[SEGMENTER_FILE] = segmenter
    files = _quality_report(metadata, frame, folds, artifacts[ARTIFACT_FILE])
    path = save_model(artifacts, metadata, models_dir, files)
    if promote_model:
        promote(models_dir, version)
    return TrainingResult(version, path, metadata, promote_model)


def _fit_spam_model(
    config: TrainingConfig, corpus: pd.DataFrame, jobs: int = 1, extra: Extra | None = None
) -> tuple[dict[str, Any], tuple[float, float], dict[str, Any], OutOfFold]:
    """Fit the pipeline; the spam and discard thresholds come from out-of-fold scores.
    The folds and the final fit run in ``jobs`` worker processes; ``extra`` rows join
    every fit."""
    texts, labels = corpus["text"].tolist(), corpus["label"].to_numpy()
    weights = corpus["weight"].to_numpy() if "weight" in corpus else None
    pipeline = build_pipeline(config.model)
    folds = out_of_fold(
        pipeline,
        texts,
        labels,
        config.evaluation.folds,
        config.evaluation.seed,
        weights,
        jobs=jobs,
        final=True,
        extra=extra,
    )
    pipeline = folds.final
    scores = folds.scores
    threshold = threshold_for_fpr(labels, scores, config.threshold.target_fpr)
    discard = max(threshold, threshold_for_fpr(labels, scores, config.threshold.discard_fpr))
    metrics = classification_metrics(labels, scores, threshold)
    artifacts = {ARTIFACT_FILE: pipeline, TABLES_FILE: _fast_tables(pipeline, texts)}
    return artifacts, (threshold, discard), metrics, folds


def _quality_report(
    metadata: dict[str, Any], frame: pd.DataFrame, folds: OutOfFold, pipeline: Any
) -> dict[str, str]:
    """The HTML quality report, from the cross-validation already run, to save with the
    model; none (and no link from the card) when matplotlib is not installed."""
    from winnow.report import REPORT_FILE, matplotlib_available, render_report

    if not matplotlib_available():
        return {}
    metadata["report"] = REPORT_FILE
    return {REPORT_FILE: render_report(metadata, frame, folds, pipeline)}


def _fast_tables(pipeline: Any, texts: list[str]) -> bytes:
    """The pipeline compiled for fast scoring, verified against it on a sample of the
    training texts (a mismatch refuses the model: nothing is saved)."""
    scorer = FastScorer.compile(pipeline)
    verify(scorer, verification_texts(texts))
    return tables_bytes(scorer.tables)


def _annotated_pages(folder: Path | None) -> list[AnnotatedPage]:
    if folder is None:
        return []
    if not Path(folder).is_dir():
        raise DataError(folder, "annotated pages folder not found")
    return load_annotated_pages(Path(folder))


def _page_comments(pages: list[AnnotatedPage]) -> pd.DataFrame:
    rows = [row for page in pages for row in comments_of(page)]
    frame = pd.DataFrame(rows, columns=["text", "label", "source", "article"])
    frame["label"] = (frame["label"] == "spam").astype(int)
    return frame


def _describe_pages(folder: Path, pages: list[AnnotatedPage], comments: pd.DataFrame) -> dict:
    digest = hashlib.sha256()
    for page in pages:
        digest.update(sha256_of(page.path).encode())
    return {
        "path": _display_path(Path(folder)),
        "sha256": digest.hexdigest(),
        "rows": len(comments),
        "spam": int(comments["label"].sum()),
        "pages": len(pages),
    }


def _fit_segmenter(
    config: TrainingConfig, pages: list[AnnotatedPage], jobs: int = 1
) -> tuple[Any, dict]:
    params = config.segmenter.model_dump()
    report = leave_one_template_out(pages, functools.partial(PageSegmenter, **params), jobs)
    segmenter = PageSegmenter(**params).fit(
        [p.lines_text for p in pages], [p.line_kinds() for p in pages]
    )
    return segmenter, {
        "pages": len(pages),
        "templates": sorted({p.template for p in pages}),
        "parameters": params,
        "leave_one_template_out": report,
    }


def _check_trainable(corpus: pd.DataFrame, config: TrainingConfig, files: list[Path]) -> None:
    where = ", ".join(map(str, files))
    check_enough_rows(corpus["label"], config.evaluation.folds, config.model, where)


def _metadata(
    config: TrainingConfig,
    version: str,
    data: list[dict[str, Any]],
    thresholds: tuple[float, float],
    metrics: dict[str, Any],
) -> dict[str, Any]:
    return {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "winnow_version": __version__,
        "library_versions": {
            "python": platform.python_version(),
            **{lib: package_version(lib) for lib in LIBRARIES},
        },
        "training_data": data,
        "parameters": config.model.model_dump(mode="json"),
        "evaluation": {**config.evaluation.model_dump(), **config.threshold.model_dump()},
        "threshold": thresholds[0],
        "discard_threshold": thresholds[1],
        "metrics": metrics,
    }


def _describe_file(path: Path, frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "path": _display_path(path),
        "sha256": sha256_of(path),
        "rows": len(frame),
        "spam": int(frame["label"].sum()),
    }


def _display_path(path: Path) -> str:
    """The path relative to the working directory when inside it, so metadata stays portable."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())
