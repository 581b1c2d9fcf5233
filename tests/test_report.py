"""The quality report: built from out-of-fold scores, saved with every trained model,
linked from the card, rebuilt by ``winnow report``, and visible in a real browser."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from conftest import ROOT, TINY_HAM, TINY_SPAM, run_winnow
from winnow import report as report_module
from winnow.config import ModelConfig
from winnow.corpus import load_labelled
from winnow.errors import ReportError
from winnow.evaluation import out_of_fold
from winnow.model import build_pipeline
from winnow.registry import current_version, load_model, read_metadata
from winnow.report import REPORT_FILE, rebuild_report
from winnow.training import train

pytest.importorskip("matplotlib", reason="the quality report needs the `report` extra")
Image = pytest.importorskip("PIL.Image", reason="Pillow comes with matplotlib")

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = (
    "summary",
    "metrics",
    "roc",
    "pr",
    "calibration",
    "confusion",
    "features",
    "families",
    "false-positives",
    "false-negatives",
)
HOSTILE = '<script>alert("x")</script> Google is paying $95 an hour, visit cashnow247.com'
PROBE = (
    '<script>addEventListener("load", () => { document.body.dataset.widths = '
    'Array.from(document.images, i => i.naturalWidth + "x" + i.naturalHeight).join(" "); });'
    "</script></body>"
)


@pytest.fixture(scope="module")
def bundled_version_dir(trained_models_dir: Path) -> Path:
    return trained_models_dir / current_version(trained_models_dir)


@pytest.fixture(scope="module")
def bundled_report(bundled_version_dir: Path) -> str:
    return (bundled_version_dir / REPORT_FILE).read_text(encoding="utf-8")


@pytest.fixture
def family_corpus(tmp_path: Path) -> Path:
    """The tiny corpus with spam families, and a ham comment carrying markup."""
    rows = [{"text": t, "label": "spam", "family": f"f{i % 3}"} for i, t in enumerate(TINY_SPAM)]
    rows += [{"text": t, "label": "ham"} for t in [*TINY_HAM, HOSTILE]]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def tiny_config_file(tmp_path: Path, family_corpus: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[data]\nfiles = ["{family_corpus}"]\n[model]\nchar_min_df = 1\n'
        "[evaluation]\nfolds = 3\nseed = 0\n"
    )
    return path


@pytest.fixture
def tiny_models(tmp_path: Path, tiny_config_file: Path) -> Path:
    from winnow.config import load_config

    models = tmp_path / "models"
    train(load_config(tiny_config_file), models)
    return models


def section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert match, f"no section {name}"
    return match.group(1)


def image_sources(page: str) -> list[str]:
    return re.findall(r'<img alt="[^"]*" src="([^"]*)">', page)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found (CI installs Debian's chromium)")
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_out_of_fold_keeps_fold_models_and_matches_cross_val_predict(tiny_corpus):
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1, calibration="none"))
    folds = out_of_fold(pipeline, texts, labels, 3, 0)
    splitter = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    expected = cross_val_predict(
        pipeline,
        np.asarray(texts, dtype=object),
        np.asarray(labels),
        cv=splitter,
        method="predict_proba",
    )[:, 1]
    np.testing.assert_allclose(folds.scores, expected)
    assert len(folds.models) == 3 and sorted(set(folds.fold_of.tolist())) == [0, 1, 2]
    for fold, model in enumerate(folds.models):
        held = np.flatnonzero(folds.fold_of == fold)
        own = model.predict_proba([texts[i] for i in held])[:, 1]
        np.testing.assert_allclose(own, folds.scores[held])


def test_training_saves_the_report_and_the_card_links_it(bundled_version_dir: Path):
    metadata = read_metadata(bundled_version_dir)
    assert metadata["report"] == REPORT_FILE
    assert (bundled_version_dir / REPORT_FILE).is_file()
    assert sorted(metadata["artifacts"]) == ["fastscore.npz", "model.joblib", "segmenter.joblib"]
    card = (bundled_version_dir / "MODEL_CARD.md").read_text()
    assert "## Quality report\n\n[report.html](report.html): ROC," in card
    assert "- Probabilities are calibrated (sigmoid, on held-out folds" in card
    assert "bundled corpus:" not in card  # nothing was behind the corpus itself
    assert load_model(bundled_version_dir.parent).version == bundled_version_dir.name


def test_report_has_every_section_and_cross_validated_figures(
    bundled_report: str, bundled_version_dir: Path
):
    metadata = read_metadata(bundled_version_dir)
    for name in SECTIONS:
        section(bundled_report, name)
    assert f"<title>winnow model {bundled_version_dir.name}: quality report</title>" in (
        bundled_report
    )
    metrics = section(bundled_report, "metrics")
    for key, label in (("roc_auc", "ROC-AUC"), ("ece", "Expected calibration error")):
        assert f"<td>{label}</td><td>{metadata['metrics'][key]:.4f}</td>" in metrics
    assert f"<td>Spam threshold</td><td>{metadata['threshold']:.4f}</td>" in metrics
    assert f"<td>Discard threshold</td><td>{metadata['discard_threshold']:.4f}</td>" in metrics
    assert f"<td>all</td><td>{metadata['metrics']['rows']}</td>" in section(
        bundled_report, "summary"
    )


def test_report_images_are_png_data_uris(bundled_report: str):
    sources = image_sources(bundled_report)
    assert len(sources) == 4 == bundled_report.count("<img ")
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        png = base64.b64decode(source.removeprefix("data:image/png;base64,"), validate=True)
        with Image.open(io.BytesIO(png)) as image:
            assert image.format == "PNG" and image.width >= 400 and image.height >= 300


def test_report_tables_features_families_and_worst_errors(bundled_report: str):
    features = section(bundled_report, "features")
    towards_spam, towards_ham = features.split("<h3>Towards ham</h3>")
    assert towards_spam.count("<tr><td>") == towards_ham.count("<tr><td>") == 30
    assert "<td><code>&lt;phone number&gt;</code></td><td>word</td>" in towards_spam
    assert "<td><code>&lt;phone number&gt;</code></td>" not in towards_ham
    families = section(bundled_report, "families")
    corpus = load_labelled(ROOT / "training" / "data" / "comments.jsonl")
    spam = corpus.loc[corpus["label"] == 1, "family"].value_counts()
    assert len(spam) == 14
    for family, count in spam.items():
        assert f"<tr><td>{family}</td><td>{count}</td>" in families
    for name in ("false-positives", "false-negatives"):
        rows = section(bundled_report, name).count("<tr><td>")
        assert rows == report_module.WORST
    assert "reasons (fold model)" in section(bundled_report, "false-positives")


def test_comment_text_is_escaped(tiny_models: Path):
    page = (tiny_models / current_version(tiny_models) / REPORT_FILE).read_text()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in section(page, "false-positives")
    assert "<script" not in page
    assert "<tr><td>f0</td><td>4</td>" in section(page, "families")


def test_without_matplotlib_training_saves_no_report(monkeypatch, tiny_config, tmp_path: Path):
    monkeypatch.setattr(report_module, "matplotlib_available", lambda: False)
    result = train(tiny_config, tmp_path / "models")
    assert not (result.path / REPORT_FILE).exists()
    assert "report" not in result.metadata
    assert "Quality report" not in (result.path / "MODEL_CARD.md").read_text()


def test_rebuild_without_matplotlib_says_what_to_install(monkeypatch, tiny_config, tmp_path):
    monkeypatch.setattr(report_module, "matplotlib_available", lambda: False)
    with pytest.raises(ReportError) as error:
        rebuild_report(tiny_config, tmp_path)
    assert str(error.value) == (
        "the quality report needs matplotlib: pip install 'winnow[report]' (or `make install`)"
    )


def test_cli_train_says_where_the_report_is(tiny_config_file: Path, tmp_path: Path):
    models = tmp_path / "cli-models"
    done = run_winnow("train", "--config", str(tiny_config_file), "--out", str(models))
    assert done.returncode == 0, done.stderr
    version = current_version(models)
    assert done.stderr.endswith(f"Quality report: {models / version / REPORT_FILE}\n")
    assert (models / version / REPORT_FILE).is_file()


def report_command(models: Path, config: Path, *options: str):
    """``winnow report`` on a models folder with a training configuration."""
    return run_winnow("report", "--models-dir", str(models), "--config", str(config), *options)


def test_cli_report_rebuilds_the_same_report(tiny_models: Path, tiny_config_file, tmp_path):
    out = tmp_path / "again.html"
    done = report_command(tiny_models, tiny_config_file, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n"
    saved = (tiny_models / current_version(tiny_models) / REPORT_FILE).read_text()
    assert section(out.read_text(), "metrics") == section(saved, "metrics")
    assert section(out.read_text(), "false-negatives") == section(saved, "false-negatives")


def test_cli_report_refuses_changed_training_data(tiny_models, tiny_config_file, family_corpus):
    with family_corpus.open("a") as handle:
        handle.write(json.dumps({"text": "One more comment.", "label": "ham"}) + "\n")
    done = report_command(tiny_models, tiny_config_file)
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: the training data differs from the data model {current_version(tiny_models)} "
        f"was trained on ({family_corpus}); retrain it, or use the configuration it was "
        "trained with\n"
    )


def test_cli_report_unwritable_output(tiny_models, tiny_config_file, tmp_path):
    target = tmp_path / "missing" / "report.html"
    done = report_command(tiny_models, tiny_config_file, "-o", str(target))
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: cannot write the report to {target}: No such file or directory\n"
    )


def test_cli_report_without_a_model(tmp_path, tiny_config_file):
    done = report_command(tmp_path, tiny_config_file)
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: no trained model in {tmp_path}: train one with `winnow train` (or `make train`)\n"
    )


def test_report_screenshot_shows_the_plots(bundled_version_dir: Path, tmp_path: Path):
    """Headless Chromium renders the report as saved; the plots' colours must show."""
    shot = tmp_path / "shot.png"
    url = (bundled_version_dir / REPORT_FILE).as_uri()
    chromium(f"--screenshot={shot}", "--window-size=1280,4000", url, profile=tmp_path / "p")
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    assert len(np.unique(pixels @ np.array([1 << 16, 1 << 8, 1]))) > 1000
    assert np.mean((pixels < 235).any(axis=1)) > 0.05
    for rgb in ((31, 119, 180), (214, 39, 40), (44, 160, 44), (8, 48, 107)):  # lines, bars, matrix
        assert np.sum(np.abs(pixels - rgb).max(axis=1) <= 12) > 200, rgb


def test_every_image_decodes_in_chromium(bundled_report: str, tmp_path: Path):
    """A copy with a probe script (the report's policy forbids scripts) reports each
    image's natural size once the page has loaded."""
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", bundled_report)
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE), encoding="utf-8")
    done = chromium(
        "--virtual-time-budget=10000", "--dump-dom", probe.as_uri(), profile=tmp_path / "p"
    )
    sizes = re.search(r'<body data-widths="([^"]*)">', done.stdout).group(1).split()
    assert len(sizes) == 4
    assert all(int(w) > 0 and int(h) > 0 for w, h in (s.split("x") for s in sizes))
