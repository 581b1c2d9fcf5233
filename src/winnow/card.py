"""The model card: a short human summary written next to every trained model."""

from __future__ import annotations

from typing import Any

_METRIC_LABELS = {
    "accuracy": "Accuracy",
    "precision": "Precision (spam)",
    "recall": "Recall (spam)",
    "f1": "F1 (spam)",
    "mcc": "Matthews correlation",
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "recall_at_1pct_fpr": "Spam recall at 1 % false positives",
    "false_positive_rate": "Ham flagged as spam",
}


def render_model_card(metadata: dict[str, Any]) -> str:
    """Markdown describing what the model is for, what it learnt from and how it scored."""
    evaluation = metadata["evaluation"]
    lines = [
        f"# winnow model {metadata['version']}",
        "",
        "Classifies reader comments on news sites as `spam` or `ham`. "
        "TF-IDF word and character n-grams with logistic regression.",
        "",
        f"- Trained: {metadata['created_at']} with winnow {metadata['winnow_version']}, "
        f"scikit-learn {metadata['library_versions']['scikit-learn']}",
        f"- Decision threshold: {metadata['threshold']:.4f} (chosen for at most "
        f"{evaluation['target_fpr']:.1%} of ham flagged in cross-validation)",
        *_discard_line(metadata, evaluation),
        "",
        "## Training data",
        "",
        *[_data_line(d) for d in metadata["training_data"]],
        *_behind_lines(metadata),
        "",
        f"## Cross-validated metrics ({evaluation['folds']}-fold stratified, "
        f"seed {evaluation['seed']})",
        "",
        "| metric | value |",
        "|---|---|",
        *[
            f"| {label} | {_fmt(metadata['metrics'].get(key))} |"
            for key, label in _METRIC_LABELS.items()
        ],
        "",
        *_report_lines(metadata),
        "## Limitations",
        "",
        "- Learnt from English-first news comments; other languages and other kinds of site "
        "(shops, forums) are covered thinly.",
        "- Scores single comments: it does not see posting rate, IP reputation or account age.",
        _calibration_line(metadata),
        "",
    ]
    return "\n".join(lines)


def _behind_lines(metadata: dict[str, Any]) -> list[str]:
    """The bundled corpus behind a user's files (``--with-corpus``), when it was."""
    behind = metadata.get("corpus_behind")
    if behind is None:
        return []
    return [
        f"- behind them, the bundled corpus: {behind['rows']} comments at weight "
        f"{behind['weight']:g} each (they trained every fit; the metrics are of the files above)"
    ]


def _calibration_line(metadata: dict[str, Any]) -> str:
    method = metadata.get("parameters", {}).get("calibration", "none")
    if method == "none":
        return "- Probabilities are logistic-regression outputs, not calibrated frequencies."
    return (
        f"- Probabilities are calibrated ({method}, on held-out folds of the training data): "
        "they hold for comments like those it learnt from, less so for other sites."
    )


def _data_line(data: dict[str, Any]) -> str:
    return (
        f"- `{data['path']}`: {data['rows']} comments, {data['spam']} spam "
        f"(sha256 {data['sha256'][:12]}...)"
    )


def _fmt(value: object) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _discard_line(metadata: dict[str, Any], evaluation: dict[str, Any]) -> list[str]:
    if metadata.get("discard_threshold") is None:
        return []
    return [
        f"- Discard threshold: {metadata['discard_threshold']:.4f} (blatant spam: at most "
        f"{evaluation.get('discard_fpr', 0.001):.1%} of ham above it in cross-validation)"
    ]


def _report_lines(metadata: dict[str, Any]) -> list[str]:
    """A link to the quality report saved beside the card, when there is one."""
    if metadata.get("report") is None:
        return []
    return [
        "## Quality report",
        "",
        f"[{metadata['report']}]({metadata['report']}): ROC, precision-recall and calibration "
        "curves, the confusion matrix at the threshold, the strongest features, spam recall "
        "per family and the worst errors, all from cross-validated scores.",
        "",
    ]
