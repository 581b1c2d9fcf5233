"""The ``winnow`` command: a thin shell over the library.

Commands parse arguments, call the library and format its answers. Any
:class:`~winnow.errors.WinnowError` becomes one ``Error: ...`` line and exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable
from rich.text import Text

from winnow.errors import ConfigError, WinnowError
from winnow.settings import Settings

app = typer.Typer(
    help="winnow: flag spam in the reader comments of news sites.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stderr = Console(stderr=True)

ModelsDir = Annotated[
    Path | None,
    typer.Option("--models-dir", help="Model folder [default: WINNOW_MODELS_DIR or models/]."),
]
ModelVersion = Annotated[
    str | None, typer.Option("--model", help="Model version to use [default: the promoted one].")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Training configuration [default: training/config.toml]."),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Folder for model versions [default: WINNOW_MODELS_DIR or models/]."
    ),
]
TextColumnOption = Annotated[
    str | None,
    typer.Option("--text-column", help="Column holding the comment text [default: text]."),
]


JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, help="Worker processes [default: all usable cores]."),
]


def usable_cores(jobs: int | None) -> int:
    return jobs or len(os.sched_getaffinity(0))


@contextmanager
def user_errors() -> Iterator[None]:
    """Report library errors as one line on stderr and exit non-zero."""
    try:
        yield
    except WinnowError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def train(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="Labelled CSV/JSONL/Parquet file (repeatable) [default: the bundled corpus].",
        ),
    ] = None,
    out: OutOption = None,
    config: ConfigOption = None,
    pages: Annotated[
        Path | None,
        typer.Option("--pages", help="Folder of annotated pages [default: the configuration's]."),
    ] = None,
    no_promote: Annotated[
        bool, typer.Option("--no-promote", help="Save the new version without making it current.")
    ] = False,
    with_corpus: Annotated[
        bool,
        typer.Option(
            "--with-corpus",
            help="With --data: the bundled corpus trains too, at [model] corpus_weight "
            "(metrics and thresholds stay those of your files).",
        ),
    ] = False,
    jobs: JobsOption = None,
) -> None:
    """Train, cross-validate and save a new model version, then promote it.

    A version holds the spam model and, from annotated pages, the page segmenter.
    """
    from winnow.config import load_config
    from winnow.training import bundled_comments
    from winnow.training import train as run_training

    settings = Settings()
    with user_errors():
        if with_corpus and not data:
            raise ConfigError("--with-corpus needs --data: without it the corpus is the data")
        cfg = load_config(config or settings.training_config)
        result = run_training(
            cfg,
            out or settings.models_dir,
            data,
            pages,
            promote_model=not no_promote,
            jobs=usable_cores(jobs),
            behind=bundled_comments(cfg) if with_corpus else None,
        )
    _print_metrics(f"Cross-validated metrics of {result.version}", {"training": result.metrics})
    if "segmenter" in result.metadata:
        _print_rows(
            "Page segmenter: comments found, leaving one template out",
            result.metadata["segmenter"]["leave_one_template_out"],
        )
    state = "promoted to current" if result.promoted else "not promoted"
    stderr.print(f"Saved model {result.version} to {result.path} ({state}).")
    _print_report_line(result.metadata, result.path)


def _print_report_line(metadata: dict[str, Any], path: Path) -> None:
    """Where the quality report is (plain echo: rich would take ``[report]`` for markup)."""
    if "report" in metadata:
        typer.echo(f"Quality report: {path / metadata['report']}", err=True)
    else:
        typer.echo("No quality report: it needs matplotlib: pip install 'winnow[report]'", err=True)


@app.command()
def report(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="HTML file to write [default: report.html in the model's folder].",
        ),
    ] = None,
    models_dir: ModelsDir = None,
    model_version: ModelVersion = None,
    config: ConfigOption = None,
) -> None:
    """Write a model's quality report: curves, calibration, features, worst errors.

    The model's recipe is cross-validated again on its training data (which must be
    unchanged), so every figure comes from comments each fold's model did not see.
    """
    from winnow.config import load_config
    from winnow.report import REPORT_FILE, rebuild_report, write_report

    settings = Settings()
    folder = models_dir or settings.models_dir
    with user_errors():
        cfg = load_config(config or settings.training_config)
        version, html = rebuild_report(cfg, folder, model_version)
        target = output or folder / version / REPORT_FILE
        write_report(html, target)
    typer.echo(str(target))


@app.command()
def score(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Comment tables (CSV/TSV/JSONL/Parquet) and pages (.txt/.html): files, "
            "directories or glob patterns."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Output file (format from its extension) or directory (one file "
            "per input) [default: JSONL on stdout].",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Output format: csv, tsv, jsonl or parquet.")
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="Score one comment given here.")
    ] = None,
    text_column: TextColumnOption = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Add `reasons`: the n-grams that pushed each score most."),
    ] = False,
    only_spam: Annotated[
        bool, typer.Option("--only-spam", help="Write only rows labelled spam.")
    ] = False,
    jobs: JobsOption = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="Rows read and scored at a time.")
    ] = 10_000,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Where rows that cannot be scored go [default: OUTPUT.rejects.jsonl]."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first row that cannot be scored.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
    engine: Annotated[
        str, typer.Option("--engine", help="local, or dask for a Dask cluster.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask scheduler address [default: start a local cluster]."
        ),
    ] = None,
    models_dir: ModelsDir = None,
    model_version: ModelVersion = None,
) -> None:
    """Score comments: every row gains spam_probability, label and model_version.

    Pages are split into segments first and each comment unit becomes a row.
    Rows that cannot be scored go to the rejects file unless --strict.
    """
    from winnow.registry import load_model
    from winnow.scoring import ScoreOptions

    if (not inputs) == (text is None):
        typer.echo("Error: give either INPUT files or --text", err=True)
        raise typer.Exit(2)
    folder = models_dir or Settings().models_dir
    with user_errors():
        model = load_model(folder, model_version)
        if text is not None:
            _print_json(_score_one(model, text, explain))
            return
        jobs = usable_cores(jobs)
        options = ScoreOptions(
            text_column, chunk_rows, jobs, explain, only_spam, strict, fmt, rejects
        )
        if engine == "dask":
            summary = _score_with_dask(model, inputs, output, options, scheduler)
        elif engine == "local":
            summary = _score_locally(model, folder, inputs, output, options, quiet)
        else:
            raise typer.BadParameter("expected local or dask", param_hint="--engine")
    if not quiet:
        _print_summary(summary, model.version)


def _score_one(model: Any, text: str, explain: bool) -> dict[str, Any]:
    """One text scored as a file's row is (same rounding, label and reasons)."""
    from winnow.model import label_for
    from winnow.scoring import score_texts

    [probability], reasons = score_texts(model, [text], explain)
    answer = {
        "text": text,
        "spam_probability": float(probability),
        "label": label_for(probability, model.threshold),
        "model_version": model.version,
    }
    if reasons is not None:
        answer["reasons"] = reasons[0]
    return answer


def _score_locally(
    model: Any, folder: Path, inputs: list[str], output: Path | None, options: Any, quiet: bool
) -> Any:
    from winnow.scoring import score_inputs

    segment = _lazy_segmenter(folder, model.version)
    with _progress(quiet, _cheap_total(inputs)) as advance:
        return score_inputs(
            model, inputs, output, options, segment, advance, (str(folder), model.version)
        )


def _lazy_segmenter(folder: Path, version: str) -> Any:
    """Load the page segmenter only when a page is actually met."""
    from winnow.registry import load_segmenter
    from winnow.segment import segment_page

    loaded: list[Any] = []

    def segment(page: Any) -> list[Any]:
        if not loaded:
            loaded.append(load_segmenter(folder, version))
        return segment_page(loaded[0], page)

    return segment


def _cheap_total(inputs: list[str]) -> int | None:
    """The row count when the metadata gives it for free (Parquet inputs only)."""
    import pyarrow.parquet as pq

    from winnow.sources import expand_inputs

    try:
        files = expand_inputs(inputs)
        if all(f.suffix.lower() in (".parquet", ".pq") for f in files):
            return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    except Exception:  # the scoring run itself reports unreadable inputs
        return None
    return None


class _RateColumn(ProgressColumn):
    """Rows per second, once rich has measured it."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:,.0f} rows/s")


@contextmanager
def _progress(quiet: bool, total: int | None = None) -> Iterator[Any]:
    """A rows and rows/s progress bar on a terminal; nothing otherwise."""
    if quiet or not stderr.is_terminal:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        _RateColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("score", total=total)
        yield lambda rows: bar.advance(task, rows)


def _score_with_dask(
    model: Any, inputs: list[str], output: Path | None, options: Any, scheduler: str | None
) -> Any:
    from winnow.distributed import score_with_dask

    if output is None:
        raise typer.BadParameter("the dask engine writes files: give -o", param_hint="--output")
    return score_with_dask(model, inputs, output, options, scheduler)


def _print_summary(summary: Any, version: str) -> None:
    where = ", ".join(summary.outputs) or "nothing"
    typer.echo(
        f"Scored {summary.rows} rows with model {version}: {summary.spam} spam, "
        f"{summary.rejected} rejected, {summary.seconds:.1f} s, "
        f"{summary.rows_per_second:,.0f} rows/s -> {where}",
        err=True,
    )
    if summary.rejects_file:
        typer.echo(f"Rejected rows: {summary.rejects_file}", err=True)


@app.command()
def evaluate(
    files: Annotated[list[Path], typer.Argument(help="Labelled CSV/JSONL/Parquet files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
    text_column: TextColumnOption = None,
    label_column: Annotated[
        str | None,
        typer.Option("--label-column", help="Column holding the label [default: label]."),
    ] = None,
    models_dir: ModelsDir = None,
    model_version: ModelVersion = None,
    cv: Annotated[
        int | None,
        typer.Option("--cv", help="Cross-validate the training recipe with K folds instead."),
    ] = None,
    seeds: Annotated[int, typer.Option("--seeds", help="Repeat --cv with seeds 0..N-1.")] = 3,
    by_source: Annotated[
        bool,
        typer.Option(
            "--by-source",
            help="Leave one source out: each file (or, for one file, each `source`) in turn.",
        ),
    ] = False,
    with_corpus: Annotated[
        bool,
        typer.Option(
            "--with-corpus",
            help="Add the bundled corpus to every training part, at [model] corpus_weight "
            "(--cv, --by-source, --tune); only the files' comments are scored.",
        ),
    ] = False,
    obfuscation: Annotated[
        bool,
        typer.Option(
            "--obfuscation", help="Spam recall on held-out spam as written and obfuscated."
        ),
    ] = False,
    tune: Annotated[
        bool,
        typer.Option(
            "--tune", help="Nested CV over the [tuning] grid: chosen parameters and their score."
        ),
    ] = False,
    config: ConfigOption = None,
    jobs: JobsOption = None,
) -> None:
    """Print metrics on labelled files: of the current model, or of the training recipe.

    With --cv, --by-source, --obfuscation or --tune, models are fitted on part of the
    files and scored on the rest (the training recipe of --config); otherwise the
    current model is scored.
    """
    from winnow.corpus import load_labelled

    with user_errors():
        frames = {str(f): load_labelled(f, text_column, label_column) for f in files}
        if cv is not None or by_source or obfuscation or tune:
            schemes = {"cv": cv, "by_source": by_source, "obfuscation": obfuscation, "tune": tune}
            _evaluate_recipe(
                frames, schemes, seeds, with_corpus, config, as_json, usable_cores(jobs)
            )
            return
        from winnow.registry import load_model

        model = load_model(models_dir or Settings().models_dir, model_version)
    _evaluate_model(model, frames, as_json)


def _evaluate_model(model: Any, frames: dict[str, Any], as_json: bool) -> None:
    from winnow.evaluation import classification_metrics

    report: dict[str, Any] = {}
    for name, frame in frames.items():
        report[name] = classification_metrics(
            frame["label"], model.predict_proba(frame["text"].tolist()), model.threshold
        )
    if len(frames) > 1:
        labels = [y for frame in frames.values() for y in frame["label"]]
        texts = [t for frame in frames.values() for t in frame["text"]]
        report["all"] = classification_metrics(labels, model.predict_proba(texts), model.threshold)
    if as_json:
        _print_json({"model_version": model.version, "metrics": report})
    else:
        _print_metrics(f"Metrics of model {model.version}", report)


def _evaluate_recipe(
    frames: dict[str, Any],
    schemes: dict[str, Any],
    seeds: int,
    with_corpus: bool,
    config: Path | None,
    as_json: bool,
    jobs: int,
) -> None:
    """The harness: repeated CV, leave-one-source-out and obfuscated spam, as asked;
    the cross-validation folds are fitted in ``jobs`` worker processes."""
    from winnow.config import load_config
    from winnow.harness import (
        labelled_sources,
        leave_one_source_out,
        nested_cv,
        obfuscation_recall,
        repeated_cv,
    )
    from winnow.training import load_corpus

    cfg = load_config(config or Settings().training_config)
    data = labelled_sources(frames)
    where = ", ".join(frames)
    extra = load_corpus(cfg).frame if with_corpus else None
    report: dict[str, Any] = {}
    if schemes["cv"] is not None:
        report["cv"] = repeated_cv(
            cfg.model, data, schemes["cv"], range(seeds), where=where, jobs=jobs, extra=extra
        )
    if schemes["obfuscation"]:
        report["obfuscation"] = obfuscation_recall(cfg.model, data, where=where)
    if schemes["by_source"]:
        report["by_source"] = leave_one_source_out(cfg.model, data, extra, where=where)
    if schemes["tune"]:
        report["tuning"] = nested_cv(
            cfg.model, data, cfg.tuning, cfg.evaluation.folds, where=where, extra=extra
        )
    if as_json:
        _print_json(report)
        return
    _print_harness(report)


def _print_harness(report: dict[str, Any]) -> None:
    if "cv" in report:
        cv = report["cv"]
        columns = {"mean": cv["mean"], "std": cv["std"]}
        _print_metrics(f"{cv['scheme']} ({cv['rows']} comments)", columns)
        families = cv["runs"][0]["per_family"]
        if families:
            recall = {f: {"recall": r} for f, r in families.items()}
            _print_rows(
                f"Spam recall per family (seed {cv['runs'][0]['seed']})", recall, key="family"
            )
    if "obfuscation" in report:
        recall = {name: {"spam recall": r} for name, r in report["obfuscation"]["recall"].items()}
        _print_rows(report["obfuscation"]["scheme"], recall, key="spam as")
    if "by_source" in report:
        by_source = report["by_source"]
        _print_metrics(by_source["scheme"], {**by_source["per_source"], "mean": by_source["mean"]})
    if "tuning" in report:
        tuning = report["tuning"]
        _print_metrics(tuning["scheme"], {"outer folds": tuning["metrics"]})
        chosen = {str(i + 1): choice for i, choice in enumerate(tuning["chosen"])}
        _print_rows("Parameters chosen on each outer fold", chosen, key="fold")


@app.command()
def segment(
    pages: Annotated[list[Path], typer.Argument(help="Scraped pages: .txt or .html files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print segments as JSON lines.")] = False,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference", help="The article's own text (a file): its lines are labelled body."
        ),
    ] = None,
    models_dir: ModelsDir = None,
    model_version: ModelVersion = None,
) -> None:
    """Split pages into title, body, boilerplate and comment segments.

    Pages given together that are two scrapes of one article (one with comments,
    one without) are paired automatically: the twin's article marks the body.
    """
    from winnow.pages import read_page
    from winnow.registry import load_segmenter
    from winnow.segment import find_references, segment_page

    with user_errors():
        segmenter = load_segmenter(models_dir or Settings().models_dir, model_version)
        loaded = [read_page(path) for path in pages]
        article = read_page(reference).text if reference else None
        twins = {} if article else find_references(segmenter, loaded)
        for index, page in enumerate(loaded):
            found = segment_page(segmenter, page, article or twins.get(index))
            _print_segments(page.path, found, as_json)


def _print_segments(path: str | None, segments: list[Any], as_json: bool) -> None:
    if as_json:
        for item in segments:
            _print_json({"page": path, **item.as_dict()})
        return
    typer.echo(f"== {path}")
    for item in segments:
        where = (
            f"{item.line_start}-{item.line_end}"
            if item.line_start is not None
            else item.element or ""
        )
        first = item.text.split("\n", 1)[0]
        typer.echo(f"{item.kind:<11} {item.confidence:4.2f} {where:<9} {first[:90]}")


@app.command()
def models(models_dir: ModelsDir = None) -> None:
    """List trained model versions; the current one is marked with *."""
    from winnow.registry import current_version, list_versions, read_metadata

    folder = models_dir or Settings().models_dir
    versions = list_versions(folder)
    if not versions:
        typer.echo(f"Error: no trained model in {folder}: train one with `winnow train`", err=True)
        raise typer.Exit(1)
    try:
        current = current_version(folder)
    except WinnowError:
        current = None
        typer.echo("No version is promoted; use one with --model VERSION.", err=True)
    for version in versions:
        try:
            metrics = read_metadata(folder / version)["metrics"]
            summary = f"f1={metrics['f1']:.3f} roc_auc={metrics['roc_auc']:.3f}"
        except WinnowError as exc:
            summary = f"unreadable: {exc}"
        typer.echo(f"{'*' if version == current else ' '} {version}  {summary}")


@app.command()
def retrain(
    config: ConfigOption = None,
    out: OutOption = None,
    jobs: JobsOption = None,
) -> None:
    """Train on the corpus plus stored feedback; promote only if not worse than the current."""
    from winnow.config import load_config
    from winnow.retrain import retrain as run_retraining

    settings = Settings()
    with _store() as store, user_errors():
        cfg = load_config(config or settings.training_config)
        result = run_retraining(
            cfg, out or settings.models_dir, store, settings.export_dir, usable_cores(jobs)
        )
    report = {k: result.comparison[k] for k in ("candidate", "current") if k in result.comparison}
    _print_metrics(
        f"Held-out comparison ({result.comparison['holdout_rows']} comments, "
        f"{result.comparison['holdout_feedback_rows']} from feedback; the current model's "
        "recipe refitted without them)",
        report,
    )
    state = "promoted to current" if result.promoted else "not promoted, current model kept"
    stderr.print(f"Candidate {result.candidate.version}: {state}: {result.reason}.")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [default: 1].")] = None,
) -> None:
    """Run the HTTP service (native JSON API and Akismet-compatible API) with uvicorn."""
    try:
        import uvicorn
    except ImportError:
        typer.echo("Error: the service is not installed: pip install 'winnow[service]'", err=True)
        raise typer.Exit(1) from None
    settings = Settings()
    uvicorn.run(
        "winnow_service.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


keys_app = typer.Typer(help="API keys of the sites that use the service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@contextmanager
def _store() -> Iterator[Any]:
    from winnow.store import open_store

    with user_errors():
        store = open_store(Settings().database_url)
        try:
            yield store
        finally:
            store.close()


@keys_app.command("add")
def keys_add(
    site: Annotated[
        str | None, typer.Option("--site", help="The site's URL (Akismet's 'blog').")
    ] = None,
    spam_threshold: Annotated[
        float | None, typer.Option(help="This site's spam threshold [default: the model's].")
    ] = None,
    discard_threshold: Annotated[
        float | None, typer.Option(help="This site's discard threshold [default: the model's].")
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="An admin key (/v1/admin), bound to no site.")
    ] = False,
) -> None:
    """Create a key for a site (or an admin key) and print it once on stdout: it is
    stored only hashed."""
    from winnow.keys import issue_admin_key, issue_key

    if admin == (site is not None):
        typer.echo("Error: give either --site URL or --admin", err=True)
        raise typer.Exit(1)
    with _store() as store, user_errors():
        if admin:
            key, record = issue_admin_key(store)
        else:
            key, record = issue_key(store, site, spam_threshold, discard_threshold)
    typer.echo(key)
    owner = "admin use" if admin else record.site
    stderr.print(f"Key {record.prefix}… created for {owner}. It will not be shown again.")


@keys_app.command("list")
def keys_list() -> None:
    """List keys by prefix, site and state (the keys themselves are not stored)."""
    with _store() as store:
        records = store.list_keys()
    for record in records:
        state = "active" if record.active else f"revoked {record.revoked_at}"
        thresholds = ""
        if record.spam_threshold is not None or record.discard_threshold is not None:
            thresholds = f"  spam>={record.spam_threshold} discard>={record.discard_threshold}"
        owner = "(admin)" if record.is_admin else record.site
        typer.echo(f"{record.prefix}  {owner}  {record.created_at}  {state}{thresholds}")


@keys_app.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key, or its first 8 characters.")],
) -> None:
    """Revoke a key; running services stop accepting it within seconds."""
    from winnow.keys import key_prefix

    with _store() as store, user_errors():
        record = store.revoke_key(key_prefix(prefix.strip()))
    stderr.print(f"Key {record.prefix}… of {record.site} revoked.")


@app.command()
def prune(
    checks_days: Annotated[
        int, typer.Option(min=1, help="Keep this many days of the check log.")
    ] = 90,
    feedback_days: Annotated[
        int | None,
        typer.Option(min=1, help="Keep this many days of feedback [default: keep it all]."),
    ] = None,
) -> None:
    """Delete old rows from the store: the check log, and feedback when asked (feedback is
    the next model's training data, so it is kept unless you say otherwise)."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    windows = {"checks": checks_days, "feedback": feedback_days}
    with _store() as store, user_errors():
        for table, days in windows.items():
            if days is not None:
                before = (now - timedelta(days=days)).isoformat(timespec="microseconds")
                removed = store.prune(table, before)
                stderr.print(f"{table}: {removed} rows older than {days} days deleted")


def _print_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


def _print_metrics(title: str, report: dict[str, dict[str, Any]]) -> None:
    table = RichTable(title=title)
    table.add_column("metric")
    for name in report:
        table.add_column(name, justify="right")
    for metric in next(iter(report.values())):
        table.add_row(metric, *[_cell(report[name].get(metric)) for name in report])
    stderr.print(table)


def _print_rows(title: str, report: dict[str, dict[str, Any]], key: str = "template") -> None:
    table = RichTable(title=title)
    table.add_column(key)
    columns = list(next(iter(report.values())))
    for column in columns:
        table.add_column(column, justify="right")
    for name, row in report.items():
        table.add_row(name, *[_cell(row[column]) for column in columns])
    stderr.print(table)


def _cell(value: object) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def main() -> None:
    app()
