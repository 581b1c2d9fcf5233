"""Shared fixtures: a tiny in-memory corpus, a model trained on the bundled corpus,
the real ``winnow`` command, and the shared evaluation material when present."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from winnow.config import EvaluationConfig, ModelConfig, TrainingConfig, load_config
from winnow.model import SpamModel
from winnow.obfuscate import TRICKS, obfuscate
from winnow.registry import load_model, load_segmenter
from winnow.training import train

pytest_plugins = ["service_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
WINNOW = Path(sys.executable).with_name("winnow")

TINY_SPAM = [
    "Google is paying $95 an hour for simple home work, start today at easycash-now.com",
    "I earn $8,000 a month from my laptop, click here www.homeprofit.net",
    "Invest in bitcoin with Mrs Carter, I got $6,000 in one week, WhatsApp +1 555 0101 2020",
    "Cheap pills no prescription, order at medsdirect.biz",
    "Check out my channel and subscribe please!!! new video every day",
    "Win a free iPhone, claim your gift card now at bit.ly/freephone",
    "Dr Ozalu brought my lover back with a spell, email him at spellhelp@mail.com",
    "Great article thanks for sharing, visit our roofing services site roofpros.com",
    "Hot singles in your area want to chat, see my photos at datenow.xyz",
    "Best casino bonus 500 free spins, sign up at luckyspins.club",
    "Lost crypto? Recovery expert got my funds back, contact cyberfix at gmail",
    "Instant loan no credit check, apply today quickloan.info",
]
TINY_HAM = [
    "The council should fix the potholes on Main Street before the winter.",
    "Interest rates going up again will hurt first-time buyers.",
    "Great match last night, the keeper was outstanding.",
    "I disagree, the minister's plan does nothing for rural schools.",
    "My rent went up $200 a month this year, wages have not kept up.",
    "Source: https://www.bbc.co.uk/news/business",
    "Google paid a big fine in Europe and nothing changed.",
    "Well said.",
    "Does anyone know when the new bridge opens?",
    "The article leaves out that the budget was cut twice.",
    "What a shambles of a government.",
    "Der Artikel ist gut recherchiert, danke.",
]


ODD = [
    "",
    "   ",
    "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000",
    "a",
    "ab",
    "$5",
    "€1,000,000.00 EUR or 1000 usd",
    "😀" * 50 + " 𝔣𝔯𝔢𝔢 𝕞𝕠𝕟𝕖𝕪 \U0010ffff",
    "東京の記事、ありがとうございます。 Спасибо за статью! مرحبا بالعالم",
    "e\u0301te\u0301 cafe\u0301 Ｆｒｅｅ　ｍｏｎｅｙ",
    "nul\x00byte and \ud7ff",
    "lone \ud800 surrogates\udfff in a word",
    '<p>Hi <a href="https://x.example.com/p?q=1">there</a> &amp;&lt;3</p>',
    "c a s h   n o w at cash [dot] com, w0rk fr0m h0me 4 $95/hr",
    "sub to my channel, dm me @cash.queen or t . me / pumps, hxxps://yield[.]app (d0t) shop",
    "spam " * 4000 + "https://very-long.example.com/" + "x" * 20000,
]
SOUP = [
    *"abcxyz0123456789$€£₹@./:-_'<>&;#,!?()[]{} \t\n",
    "dot",
    " dot ",
    "d0t",
    " . ",
    "[.",
    "www.",
    "http://",
    ".com",
    ".shop",
    "gov.uk",
    "sub",
    "my channel",
    "hour",
    "/hr",
    "а",
    "і",
    "ѕ",
    "ｆ",
    "\u200b",
    "ß",
    "İ",
    "ﬁ",
    "😀",
    "\xa0",
    "\u2028",
    "<br>",
    "&amp;",
    "5 5 5 1 2 3 4 5 6",
]


def corpus_texts() -> list[str]:
    lines = (ROOT / "training/data/comments.jsonl").read_text().splitlines()
    return [json.loads(line)["text"] for line in lines]


def soup(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(SOUP) for _ in range(rng.randint(0, 80))) for _ in range(n)]


@pytest.fixture(scope="session")
def varied_texts() -> list[str]:
    """A few thousand comments: the corpus, its spam obfuscated, random soup, odd text."""
    corpus = corpus_texts()
    tricked = [obfuscate(t, trick, 1) for t in corpus[::3] for trick in TRICKS]
    return corpus + tricked + soup(1500) + ODD


@pytest.fixture
def tiny_corpus() -> tuple[list[str], list[int]]:
    texts = TINY_SPAM + TINY_HAM
    return texts, [1] * len(TINY_SPAM) + [0] * len(TINY_HAM)


@pytest.fixture
def tiny_corpus_file(tmp_path: Path, tiny_corpus) -> Path:
    path = tmp_path / "tiny.jsonl"
    texts, labels = tiny_corpus
    rows = [
        {"text": t, "label": "spam" if y else "ham"} for t, y in zip(texts, labels, strict=True)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def tiny_config(tiny_corpus_file: Path) -> TrainingConfig:
    return TrainingConfig(
        data={"files": [tiny_corpus_file]},
        model=ModelConfig(char_min_df=1),
        evaluation=EvaluationConfig(folds=3, seed=0),
    )


@pytest.fixture(scope="session")
def bundled_config() -> TrainingConfig:
    return load_config(ROOT / "training" / "config.toml")


@pytest.fixture(scope="session")
def trained_models_dir(tmp_path_factory, bundled_config) -> Path:
    """A models folder holding one model trained on the bundled corpus (trained once)."""
    models_dir = tmp_path_factory.mktemp("models")
    train(bundled_config, models_dir)
    return models_dir


@pytest.fixture(scope="session")
def bundled_model(trained_models_dir: Path) -> SpamModel:
    return load_model(trained_models_dir)


@pytest.fixture(scope="session")
def bundled_segmenter(trained_models_dir: Path):
    return load_segmenter(trained_models_dir)


@pytest.fixture
def models_copy(trained_models_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the trained models folder that a test may damage."""
    return Path(shutil.copytree(trained_models_dir, tmp_path / "models"))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared evaluation material not found at {SHARED}")
    return SHARED


def run_winnow(
    *args: str, cwd: Path = ROOT, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the installed ``winnow`` console script, as a user would.

    The caller's ``WINNOW_*`` variables are dropped; ``env`` adds the ones a test sets.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WINNOW_")} | (env or {})
    return subprocess.run(
        [str(WINNOW), *args],
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
    )


def score_to_frame(models_dir: Path, source: Path, output: Path, *options: str):
    """Run ``winnow score SOURCE -o OUTPUT.csv OPTIONS`` and read the output back."""
    import pandas as pd

    result = run_winnow(
        "score", str(source), "-o", str(output), *options, "--models-dir", str(models_dir)
    )
    assert result.returncode == 0, result.stderr
    return pd.read_csv(output)


def count_batches(monkeypatch, moderator) -> list[int]:
    """The size of every batch ``moderator.check_each`` is called with from now on."""
    batches: list[int] = []
    real = moderator.check_each

    def counted(requests):
        batches.append(len(requests))
        return real(requests)

    monkeypatch.setattr(moderator, "check_each", counted)
    return batches
