"""The quality report: one self-contained HTML page describing a trained model.

Every figure and table that judges the model is computed from out-of-fold scores
(each comment scored by a model that did not train on it), never from the final
model's scores on its own training data, which would flatter it. Only the
strongest features come from the final model, since they describe it.

Figures are PNGs drawn with matplotlib's Agg renderer and embedded as ``data:``
URIs, so the page is one file that opens anywhere. Comment text is untrusted and
is always escaped; the page's content security policy allows no scripts at all.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve
from sklearn.pipeline import Pipeline

from winnow.config import ModelConfig, TrainingConfig
from winnow.corpus import HAM, SPAM
from winnow.errors import ReportError
from winnow.evaluation import OutOfFold, classification_metrics, out_of_fold
from winnow.model import SpamModel, _reason, build_pipeline, coefficients

REPORT_FILE = "report.html"
WORST = 10
STRONGEST = 30
TEXT_LIMIT = 600
HEADLINE = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "f1": "F1 (spam)",
    "mcc": "Matthews correlation",
    "precision": "Precision (spam)",
    "recall": "Recall (spam)",
    "recall_at_1pct_fpr": "Spam recall at 1 % false positives",
    "false_positive_rate": "Ham flagged as spam",
    "ece": "Expected calibration error",
}
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def matplotlib_available() -> bool:
    """Whether the optional ``report`` extra (matplotlib) is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def require_matplotlib() -> None:
    if not matplotlib_available():
        raise ReportError(
            "the quality report needs matplotlib: pip install 'winnow[report]' (or `make install`)"
        )


def render_report(
    metadata: dict[str, Any], data: pd.DataFrame, folds: OutOfFold, pipeline: Pipeline
) -> str:
    """The report of a model: ``metadata`` as saved with it, its training ``data``
    (``text``, ``label``, optional ``family``/``source``), the cross-validation that
    chose its thresholds, and the final fitted ``pipeline``."""
    require_matplotlib()
    labels, scores = data["label"].to_numpy(), folds.scores
    threshold = float(metadata["threshold"])
    sections = [
        _summary_section(metadata, labels, scores),
        _curves_section(labels, scores, threshold),
        _features_section(pipeline),
        _families_section(data, scores, threshold),
        _errors_section(data, folds, threshold),
    ]
    return _page(str(metadata["version"]), sections)


def rebuild_report(
    config: TrainingConfig, models_dir: Path, version: str | None = None
) -> tuple[str, str]:
    """(version, report) of a saved model, cross-validating its recipe again.

    The model's saved parameters, folds and seed are used on the training data of
    ``config``, which must be the data the model was trained on (same SHA-256), so
    the out-of-fold scores are the ones that chose its thresholds.
    """
    from winnow.registry import load_model
    from winnow.training import load_corpus

    require_matplotlib()
    model = load_model(models_dir, version)
    metadata = model.metadata
    if "retraining" in metadata:
        raise ReportError(
            f"model {model.version} was retrained with moderators' feedback, which cannot "
            f"be read back; its report is the one saved with it ({REPORT_FILE})"
        )
    corpus = load_corpus(config)
    _check_same_data(model.version, corpus.described, metadata["training_data"])
    frame, evaluation = corpus.frame, metadata["evaluation"]
    folds = out_of_fold(
        build_pipeline(ModelConfig(**metadata["parameters"])),
        frame["text"].tolist(),
        frame["label"].to_numpy(),
        evaluation["folds"],
        evaluation["seed"],
        frame["weight"].to_numpy(),
    )
    return model.version, render_report(metadata, frame, folds, model.pipeline)


def write_report(report: str, path: Path) -> None:
    """Write the report, turning an unwritable path into one clear error."""
    try:
        Path(path).write_text(report, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write the report to {path}: {exc.strerror}") from None


def _check_same_data(
    version: str, described: list[dict[str, Any]], trained_on: list[dict[str, Any]]
) -> None:
    """Refuse to report on data other than the model's: its scores would not be its own."""
    now = {d["path"]: d["sha256"] for d in described}
    then = {d["path"]: d["sha256"] for d in trained_on}
    changed = sorted(set(now.items()) ^ set(then.items()))
    if changed:
        raise ReportError(
            f"the training data differs from the data model {version} was trained on "
            f"({changed[0][0]}); retrain it, or use the configuration it was trained with"
        )


# Sections -----------------------------------------------------------------------------


def _summary_section(metadata: dict[str, Any], labels: np.ndarray, scores: np.ndarray) -> str:
    """What was trained on what, and the headline cross-validated metrics."""
    evaluation = metadata["evaluation"]
    metrics = classification_metrics(labels, scores, float(metadata["threshold"]))
    data_rows = [
        (d["path"], d["rows"], d["spam"], d["rows"] - d["spam"]) for d in metadata["training_data"]
    ]
    data_rows.append(("all", len(labels), int(labels.sum()), int((labels == HAM).sum())))
    metric_rows = [(label, _number(metrics.get(key))) for key, label in HEADLINE.items()]
    metric_rows += [
        ("Spam threshold", _number(metadata["threshold"])),
        ("Discard threshold", _number(metadata.get("discard_threshold"))),
    ]
    return (
        '<section id="summary"><h2>Model and data</h2>'
        f"<p>Trained {_esc(metadata['created_at'])} with winnow "
        f"{_esc(metadata['winnow_version'])}. Every figure below comes from "
        f"{_esc(evaluation['folds'])}-fold stratified cross-validation (seed "
        f"{_esc(evaluation['seed'])}): each comment is scored by a model that did not "
        "see it.</p>"
        + _table(("data", "comments", "spam", "ham"), data_rows)
        + '</section><section id="metrics"><h2>Headline metrics</h2>'
        + _table(("metric", "value"), metric_rows)
        + "</section>"
    )


def _curves_section(labels: np.ndarray, scores: np.ndarray, threshold: float) -> str:
    figures = [
        ("roc", "ROC curve", _roc_figure(labels, scores, threshold)),
        ("pr", "Precision-recall curve", _pr_figure(labels, scores, threshold)),
        ("calibration", "Calibration", _calibration_figure(labels, scores)),
        (
            "confusion",
            "Confusion matrix at the spam threshold",
            _confusion_figure(labels, scores, threshold),
        ),
    ]
    return (
        '<div class="figures">'
        + "".join(
            f'<section id="{key}"><h2>{title}</h2><img alt="{title}" src="{uri}"></section>'
            for key, title, uri in figures
        )
        + "</div>"
    )


def _features_section(pipeline: Pipeline) -> str:
    """The final model's strongest n-grams each way, by logistic-regression weight."""
    coef = coefficients(pipeline[-1])
    names = pipeline.named_steps["features"].get_feature_names_out()
    tables = []
    for title, order in (("spam", np.argsort(-coef)), ("ham", np.argsort(coef))):
        rows = [
            (rank, _code(r["ngram"]), r["kind"], _number(r["weight"]))
            for rank, r in enumerate(_strongest(names, coef, order, title == "spam"), start=1)
        ]
        tables.append(
            f"<div><h3>Towards {title}</h3>"
            + _table(("#", "n-gram", "kind", "weight"), rows, raw_columns=frozenset({1}))
            + "</div>"
        )
    return (
        f'<section id="features"><h2>The {STRONGEST} strongest features</h2>'
        "<p>Weights of the final model, fitted on all the data. Links, e-mail addresses, "
        "phone numbers, money amounts and pay rates are shown as &lt;link&gt;, "
        '&lt;pay rate&gt;, ...</p><div class="pair">' + "".join(tables) + "</div></section>"
    )


def _strongest(
    names: np.ndarray, coef: np.ndarray, order: Iterable[int], spam: bool
) -> list[dict[str, Any]]:
    """The first ``STRONGEST`` readable, distinct features in ``order`` pushing that way."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for i in order:
        if len(found) == STRONGEST or coef[i] == 0 or (coef[i] > 0) != spam:
            break
        reason = _reason(str(names[i]), float(coef[i]), 1.0)
        if reason is not None:
            found.setdefault((reason["kind"], reason["ngram"]), reason)
    return list(found.values())


def _families_section(data: pd.DataFrame, scores: np.ndarray, threshold: float) -> str:
    """Spam recall at the threshold for each spam family (kind of scam)."""
    spam = data["label"].to_numpy() == SPAM
    if "family" not in data:
        body = "<p>The training data has no <code>family</code> column.</p>"
    else:
        caught = pd.Series(scores[spam] >= threshold, index=data.index[spam])
        family = data.loc[spam, "family"].fillna("(no family)").astype(str)
        grouped = caught.groupby(family).agg(["size", "sum", "mean"]).sort_values("mean")
        rows = [(name, int(n), int(hit), _number(r)) for name, (n, hit, r) in grouped.iterrows()]
        body = _table(("family", "spam comments", "caught", "recall"), rows)
    return f'<section id="families"><h2>Spam recall per family</h2>{body}</section>'


def _errors_section(data: pd.DataFrame, folds: OutOfFold, threshold: float) -> str:
    """The highest-scoring ham and the lowest-scoring spam, with what swayed their scores."""
    explainers: dict[int, SpamModel] = {}
    parts = []
    for key, title, spam in (
        ("false-positives", "Worst false positives: the highest-scoring ham", False),
        ("false-negatives", "Worst false negatives: the lowest-scoring spam", True),
    ):
        rows = [
            _error_row(data.iloc[i], folds, i, threshold, explainers)
            for i in _worst(data["label"].to_numpy(), folds.scores, spam)
        ]
        header = ("score", "flagged", "source", "family", "comment", "reasons (fold model)")
        parts.append(
            f'<section id="{key}"><h2>{title}</h2>'
            + _table(header, rows, raw_columns=frozenset({4, 5}))
            + "</section>"
        )
    note = (
        "<p>Reasons are the n-grams that pushed the score most towards the wrong verdict, "
        "according to the cross-validation model that did not see the comment.</p>"
    )
    return note + "".join(parts)


def _worst(labels: np.ndarray, scores: np.ndarray, spam: bool) -> np.ndarray:
    """Indices of the ``WORST`` most wrongly scored comments of one class."""
    members = np.flatnonzero(labels == (SPAM if spam else HAM))
    order = members[np.argsort(scores[members], kind="stable")]
    return order[:WORST] if spam else order[::-1][:WORST]


def _error_row(
    row: pd.Series, folds: OutOfFold, i: int, threshold: float, explainers: dict[int, SpamModel]
) -> tuple[Any, ...]:
    """One misjudged comment, explained by the fold model that scored it."""
    fold = int(folds.fold_of[i])
    explainer = explainers.setdefault(fold, SpamModel(folds.models[fold], threshold))
    towards_spam = row["label"] == HAM
    reasons = explainer.reasons_of(explainer.features([row["text"]]), towards_spam)
    text = str(row["text"])
    shown = text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"
    return (
        _number(folds.scores[i]),
        "yes" if folds.scores[i] >= threshold else "no",
        _cell(row.get("source")),
        _cell(row.get("family")),
        f'<span class="comment">{_esc(shown)}</span>',
        ", ".join(f"{_code(r['ngram'])} ({r['weight']:+.2f})" for r in reasons) or "none",
    )


# Figures ------------------------------------------------------------------------------


def _figure(width: float = 5.6, height: float = 4.5) -> Any:
    """A matplotlib figure drawn by Agg without pyplot, so no global backend changes."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _roc_figure(labels: np.ndarray, scores: np.ndarray, threshold: float) -> str:
    fpr, tpr, _ = roc_curve(labels, scores)
    figure = _figure()
    ax = figure.subplots()
    ax.plot(fpr, tpr, color="tab:blue", label="cross-validated")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    point = (
        np.mean(scores[labels == HAM] >= threshold),
        np.mean(scores[labels == SPAM] >= threshold),
    )
    ax.plot(*point, "o", color="tab:red", label=f"threshold {threshold:.3f}")
    ax.set(xlabel="false-positive rate (ham flagged)", ylabel="true-positive rate (spam caught)")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return _png_uri(figure)


def _pr_figure(labels: np.ndarray, scores: np.ndarray, threshold: float) -> str:
    precision, recall, _ = precision_recall_curve(labels, scores)
    figure = _figure()
    ax = figure.subplots()
    ax.plot(recall, precision, color="tab:blue", label="cross-validated")
    flagged = scores >= threshold
    point = (
        np.mean(flagged[labels == SPAM]),
        np.mean(labels[flagged] == SPAM) if flagged.any() else 1.0,
    )
    ax.plot(*point, "o", color="tab:red", label=f"threshold {threshold:.3f}")
    ax.axhline(np.mean(labels == SPAM), color="grey", linestyle=":", label="spam share")
    ax.set(xlabel="recall (spam caught)", ylabel="precision (flagged that is spam)", ylim=(0, 1.02))
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    return _png_uri(figure)


def _calibration_figure(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> str:
    """Observed spam share per score bin against the mean score, over a score histogram."""
    which = np.minimum((scores * bins).astype(int), bins - 1)
    used = np.unique(which)
    mean_score = [scores[which == b].mean() for b in used]
    spam_share = [labels[which == b].mean() for b in used]
    figure = _figure(5.6, 5.6)
    top, bottom = figure.subplots(2, 1, height_ratios=(3, 1), sharex=True)
    top.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    top.plot(mean_score, spam_share, "o-", color="tab:blue", label="cross-validated")
    top.set(ylabel="observed spam share")
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    edges = np.linspace(0, 1, bins + 1)
    bottom.hist(
        [scores[labels == HAM], scores[labels == SPAM]],
        bins=edges,
        color=["tab:green", "tab:red"],
        label=["ham", "spam"],
    )
    bottom.set(xlabel="spam probability", ylabel="comments")
    bottom.legend(loc="upper center")
    return _png_uri(figure)


def _confusion_figure(labels: np.ndarray, scores: np.ndarray, threshold: float) -> str:
    matrix = confusion_matrix(labels, (scores >= threshold).astype(int), labels=[HAM, SPAM])
    figure = _figure(4.5, 4.0)
    ax = figure.subplots()
    ax.imshow(matrix, cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        dark = count > matrix.max() / 2
        ax.text(
            column,
            row,
            str(count),
            ha="center",
            va="center",
            fontsize=16,
            color="white" if dark else "black",
        )
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["ham", "spam"], yticklabels=["ham", "spam"])
    ax.set(xlabel="predicted", ylabel="actual", title=f"threshold {threshold:.3f}")
    return _png_uri(figure)


# HTML ---------------------------------------------------------------------------------


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td { font-variant-numeric: tabular-nums; }
code { white-space: pre; background: #f6f6f6; padding: 0 0.2em; }
.pair, .figures { display: flex; gap: 2em; flex-wrap: wrap; }
.comment { display: block; max-width: 38em; overflow-wrap: anywhere; }
img { max-width: 100%; border: 1px solid #eee; }
"""


def _page(version: str, sections: list[str]) -> str:
    title = f"winnow model {_esc(version)}: quality report"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{title}</title><style>{STYLE}</style></head>"
        f"<body><h1>{title}</h1>" + "".join(sections) + "</body></html>\n"
    )


def _table(
    header: Iterable[str], rows: Iterable[Iterable[Any]], raw_columns: frozenset[int] = frozenset()
) -> str:
    """An HTML table; cells are escaped except the ``raw_columns`` built as HTML here."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{c if n in raw_columns else _esc(c)}</td>" for n, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _code(ngram: str) -> str:
    return f"<code>{_esc(ngram)}</code>"


def _cell(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _number(value: object) -> str:
    return "n/a" if value is None else f"{float(value):.4f}"
