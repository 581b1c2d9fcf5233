"""Benchmark: what each marker word of the cleaning chain buys, added one at a time.

Issue #6 keeps a feature only if the harness shows it helps. This script switches the
markers of ``winnow.normalize`` off in this process (so the fits run in it, one at a
time) and adds them back in the order they were written, printing one row each:

* the bundled corpus, 10-fold CV x ``--seeds``: spam recall at 1 % false positives (of
  the uncalibrated regression: calibration is monotone, so the ranking is the same);
* the YouTube Spam Collection in ``../shared``, 10-fold CV x ``--seeds``, accuracy at
  0.5: the files alone and with the bundled comments behind every training fold;
  leave-one-video-out with them behind; and a model trained on the bundled comments
  alone scoring all four files (ROC-AUC), real comments it has never seen.

    .venv/bin/python benchmarks/feature_ablation.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

from winnow import normalize
from winnow.config import ModelConfig, load_config
from winnow.corpus import load_labelled
from winnow.evaluation import (
    Extra,
    cross_validated_scores,
    fit_with_extra,
    recall_at_fpr,
    spam_scores,
)
from winnow.harness import labelled_sources
from winnow.model import build_pipeline

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "training" / "data" / "comments.jsonl"
YOUTUBE = ROOT.parent / "shared" / "datasets" / "youtube-spam-collection"
NEVER = re.compile("(?!)")
OLD_TLDS = "com|net|org|info|biz|io|co|me|ru|xyz|ly|top|site|online|club|us|uk"
OLD_DOT = (
    r"\s*[\[\(\{<]\s*dot\s*[\]\)\}>]\s*|\s+dot\s+(?=(?:com|net|org|info|io|co|me|ru|xyz|biz)\b)"
)


def _replace_step(name: str, step: normalize._Rewrite) -> None:
    normalize._CHAIN = tuple(step if s.name == name else s for s in normalize._CHAIN)


def _old_tlds() -> None:
    normalize._URL, normalize._LINK_HINT = normalize.link_patterns(OLD_TLDS)
    _replace_step("link", normalize._Rewrite("link", normalize._LINK_HINT, normalize._mark_links))


def _old_dots() -> None:
    normalize._DOT_WORD = re.compile(OLD_DOT)


def _no_handles() -> None:
    normalize._HANDLE = NEVER


def _no_length() -> None:
    normalize.with_length_words = lambda texts, lengths: list(map(str.strip, texts))


def _no_promotion() -> None:
    _replace_step("promotion", normalize._Rewrite("promotion", NEVER, lambda text: text))


def _no_official() -> None:
    normalize._is_official = lambda host: False


def _no_anchors() -> None:
    normalize.mark_anchors = lambda text: text


def _no_known_sources() -> None:
    normalize._is_known_source = lambda host: False


def _english_promotion() -> None:
    english = normalize._PROMOTION.pattern.replace(f"|{normalize._CALLS_ABROAD}", "")
    english = english.replace(f"|{normalize._OWN_OUTLET_ABROAD}", "")
    assert normalize._CALLS_ABROAD not in english and normalize._OWN_OUTLET_ABROAD not in english
    normalize._PROMOTION = re.compile(english)


# In the order they were added; each row switches off the ones after it.
FEATURES: list[tuple[str, Callable[[], None]]] = [
    ("newer TLDs", _old_tlds),
    ("dots written apart", _old_dots),
    ("@handles, replies", _no_handles),
    ("length bands", _no_length),
    ("own outlet, call to act", _no_promotion),
    ("public bodies' hosts", _no_official),
    ("links under other words", _no_anchors),
    ("known news and reference sites", _no_known_sources),
    ("calls and outlets in five more languages", _english_promotion),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    params = load_config(ROOT / "training" / "config.toml").model
    corpus = load_labelled(CORPUS)
    youtube = None
    if YOUTUBE.is_dir():
        youtube = labelled_sources(
            {str(p): load_labelled(p) for p in sorted(YOUTUBE.glob("*.csv"))}
        )
    if youtube is None:
        print(f"{YOUTUBE} not found: YouTube columns skipped")
    saved = {name: getattr(normalize, name) for name in vars(normalize)}
    print(
        "| features | corpus recall at 1 % FP | YouTube | + corpus | leave one video out "
        "| corpus model on YouTube, ROC-AUC | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kept in range(len(FEATURES) + 1):
        for _, switch_off in FEATURES[kept:]:
            switch_off()
        started = time.perf_counter()
        row = _row(params, corpus, youtube, range(args.seeds))
        name = "none" if kept == 0 else f"+ {FEATURES[kept - 1][0]}"
        print(f"| {name} | {row} | {time.perf_counter() - started:.0f} |", flush=True)
        for attribute, value in saved.items():
            setattr(normalize, attribute, value)


def _row(params: ModelConfig, corpus, youtube, seeds: range) -> str:
    texts, labels = corpus["text"].tolist(), corpus["label"].to_numpy()
    ranking = params.model_copy(update={"calibration": "none"})
    scores = [cross_validated_scores(build_pipeline(ranking), texts, labels, 10, s) for s in seeds]
    recall = np.mean([recall_at_fpr(labels, run, 0.01) for run in scores])
    if youtube is None:
        return f"{recall:.3f} | | | | "
    return f"{recall:.3f} | {_youtube(params, corpus, youtube, seeds)}"


def _youtube(params: ModelConfig, corpus, youtube, seeds: range) -> str:
    x, y = youtube["text"].tolist(), youtube["label"].to_numpy()
    rows = np.asarray(x, dtype=object)
    behind = Extra.of_frame(corpus, params.corpus_weight)
    alone = np.mean([_accuracy(params, x, y, s, None) for s in seeds])
    with_corpus = np.mean([_accuracy(params, x, y, s, behind) for s in seeds])
    sources = youtube["source"].to_numpy()
    per_video = []
    for source in sorted(set(sources)):
        train, held = sources != source, sources == source
        model = fit_with_extra(build_pipeline(params), list(rows[train]), y[train], None, behind)
        scores = spam_scores(model, list(rows[held]))
        per_video.append(accuracy_score(y[held], scores >= 0.5))
    model = build_pipeline(params).fit(corpus["text"].tolist(), corpus["label"].to_numpy())
    auc = roc_auc_score(y, spam_scores(model, x))
    return f"{alone:.4f} | {with_corpus:.4f} | {np.mean(per_video):.4f} | {auc:.3f}"


def _accuracy(params: ModelConfig, x: list[str], y: np.ndarray, seed: int, behind) -> float:
    scores = cross_validated_scores(build_pipeline(params), x, y, 10, seed, extra=behind)
    return accuracy_score(y, scores >= 0.5)


if __name__ == "__main__":
    main()
