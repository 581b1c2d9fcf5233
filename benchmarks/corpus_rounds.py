"""Benchmark: what a round of new rows in the bundled corpus bought.

The corpus grew in rounds, appended to ``training/data/comments.jsonl``. A harder round
lowers the cross-validated figures on the whole file (there is more to get wrong), so
this script compares like with like:

* the first ``--first`` comments scored by 10-fold CV x 3 seeds, trained on them alone
  and then with the later rows behind every training fold (weight 1, never scored);
* models trained on the first comments and on the whole file (the pages' comments
  with both, as ``winnow train`` does), scoring the YouTube Spam Collection in
  ``../shared``, real comments neither has seen (skipped when it is absent).

    .venv/bin/python benchmarks/corpus_rounds.py [--first 829]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from winnow.config import load_config
from winnow.corpus import load_labelled
from winnow.evaluation import classification_metrics, spam_scores
from winnow.harness import labelled_sources, repeated_cv
from winnow.model import build_pipeline
from winnow.training import load_corpus

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "training" / "data" / "comments.jsonl"
YOUTUBE = ROOT.parent / "shared" / "datasets" / "youtube-spam-collection"
SHOWN = ("accuracy", "mcc", "roc_auc", "recall_at_1pct_fpr", "ece")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=829, help="rows of the earlier rounds")
    args = parser.parse_args()
    config = load_config(ROOT / "training" / "config.toml")
    corpus = load_labelled(CORPUS)
    first, later = corpus.iloc[: args.first], corpus.iloc[args.first :]
    print(f"{len(first)} earlier rows, {len(later)} later rows")
    params = config.model.model_copy(update={"corpus_weight": 1.0})
    for name, extra in (("alone", None), ("with the later rows behind", later)):
        report = repeated_cv(
            params, first.reset_index(drop=True), 10, [0, 1, 2], jobs=2, extra=extra
        )
        show(f"earlier rows, 10-fold CV x 3 seeds, {name}", report["mean"])
    if not YOUTUBE.is_dir():
        print(f"{YOUTUBE} not found: the YouTube comparison is skipped")
        return
    youtube = labelled_sources({str(p): load_labelled(p) for p in sorted(YOUTUBE.glob("*.csv"))})
    pages = load_corpus(config).frame.iloc[len(corpus) :]  # the annotated pages' comments
    for name, rows in (("earlier rows", first), ("whole corpus", corpus)):
        metrics = youtube_metrics(config, pd.concat([rows, pages], ignore_index=True), youtube)
        show(f"trained on the {name} and the pages' comments, scoring YouTube", metrics)


def youtube_metrics(config, train: pd.DataFrame, youtube: pd.DataFrame) -> dict:
    """A model of the bundled recipe trained on ``train``, scoring the YouTube files."""
    model = build_pipeline(config.model).fit(train["text"].tolist(), train["label"].to_numpy())
    scores = spam_scores(model, youtube["text"].tolist())
    return classification_metrics(youtube["label"].to_numpy(), scores, 0.5)


def show(title: str, metrics: dict) -> None:
    print(f"{title}: " + ", ".join(f"{k} {metrics[k]:.4f}" for k in SHOWN))


if __name__ == "__main__":
    main()
