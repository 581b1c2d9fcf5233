"""Versioned model artefacts under ``models/``: saving, promoting and safe loading.

Layout::

    models/
      current                    # text file naming the promoted version
      20261124-081500/
        model.joblib             # the fitted scikit-learn pipeline
        fastscore.npz            # its TF-IDF parts compiled for fast scoring (plain arrays)
        segmenter.joblib         # the page segmenter, when pages were part of training
        metadata.json            # version, data hashes, parameters, threshold, metrics
        MODEL_CARD.md
        report.html              # the quality report, when matplotlib is installed

A joblib file is a pickle, and unpickling runs code. So nothing is unpickled
until its SHA-256 matches the metadata and the metadata's scikit-learn version
matches the running one. The fast scorer's tables are checked the same way and
read without pickle; a version saved without them compiles them on load.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sklearn.pipeline import Pipeline

from winnow.card import render_model_card
from winnow.errors import ModelError, ModelIntegrityError, ModelNotFoundError
from winnow.fastscore import TABLES_FILE, FastScorer, check_scorer, scorer_from_bytes
from winnow.model import SpamModel

log = logging.getLogger(__name__)

ARTIFACT_FILE = "model.joblib"
SEGMENTER_FILE = "segmenter.joblib"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"
CURRENT_FILE = "current"
FORMAT_VERSION = 1
VERSION_PATTERN = re.compile(r"\A\d{8}-\d{6}(?:-\d+)?\Z")


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_version(models_dir: Path, now: datetime | None = None) -> str:
    """A sortable version name from the UTC time, unique within ``models_dir``."""
    base = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    version, n = base, 1
    while (models_dir / version).exists():
        n += 1
        version = f"{base}-{n}"
    return version


def save_model(
    artifacts: dict[str, Any],
    metadata: dict[str, Any],
    models_dir: Path,
    files: dict[str, str] | None = None,
) -> Path:
    """Write a new version folder atomically and return its path (not promoted).

    ``artifacts`` maps file names (``model.joblib``, ``segmenter.joblib``) to objects,
    which are hashed (written with joblib, or bytes written as they are, such as
    ``fastscore.npz``); ``files`` maps names to text written as is (the quality
    report), which is never unpickled and so needs no hash.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    version = metadata["version"]
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=models_dir))
    try:
        hashes = {}
        for name, obj in artifacts.items():
            if isinstance(obj, bytes):
                (staging / name).write_bytes(obj)
            else:
                joblib.dump(obj, staging / name, compress=3)
            hashes[name] = {
                "sha256": sha256_of(staging / name),
                "bytes": (staging / name).stat().st_size,
            }
        metadata = {**metadata, "format": FORMAT_VERSION, "artifacts": hashes}
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
        (staging / CARD_FILE).write_text(render_model_card(metadata))
        for name, text in (files or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        target = models_dir / version
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def promote(models_dir: Path, version: str) -> None:
    """Make ``version`` the current model (atomic replace of ``models/current``)."""
    _check_version_name(version, "promote")
    if not (models_dir / version / METADATA_FILE).is_file():
        raise ModelNotFoundError(f"no model version '{version}' in {models_dir}")
    pointer = models_dir / f".{CURRENT_FILE}.tmp"
    pointer.write_text(version + "\n")
    os.replace(pointer, models_dir / CURRENT_FILE)


def current_version(models_dir: Path) -> str:
    """The promoted version named by ``models/current``."""
    try:
        version = (models_dir / CURRENT_FILE).read_text().strip()
    except FileNotFoundError:
        raise ModelNotFoundError(
            f"no trained model in {models_dir}: train one with `winnow train` (or `make train`)"
        ) from None
    _check_version_name(version, models_dir / CURRENT_FILE)
    return version


def list_versions(models_dir: Path) -> list[str]:
    """All version folders, oldest first."""
    if not models_dir.is_dir():
        return []
    return sorted(
        p.name for p in models_dir.iterdir() if p.is_dir() and VERSION_PATTERN.match(p.name)
    )


def _check_version_name(version: str, source: Path | str) -> None:
    """Refuse names that are not versions (and so cannot point outside ``models/``)."""
    if not VERSION_PATTERN.match(version):
        raise ModelIntegrityError(
            f"{source}: invalid model version {version!r} (expected a name like 20261124-081500)"
        )


def read_metadata(version_dir: Path) -> dict[str, Any]:
    """The metadata of a version folder, checked for the fields loading relies on."""
    path = version_dir / METADATA_FILE
    if not version_dir.is_dir():
        raise ModelNotFoundError(f"model version folder {version_dir} does not exist")
    try:
        metadata = json.loads(path.read_text())
        metadata["artifacts"][ARTIFACT_FILE]["sha256"], metadata["threshold"]
        metadata["library_versions"]["scikit-learn"]
    except FileNotFoundError:
        raise ModelIntegrityError(f"{path}: metadata file is missing") from None
    except (ValueError, KeyError, TypeError):
        raise ModelIntegrityError(f"{path}: metadata is corrupt or incomplete") from None
    return metadata


def verify_artifact(
    version_dir: Path, metadata: dict[str, Any], name: str = ARTIFACT_FILE
) -> bytes:
    """An artefact's bytes, once its hash and library version are checked."""
    artifact = version_dir / name
    expected = metadata["artifacts"].get(name)
    if expected is None:
        raise ModelNotFoundError(
            f"model {version_dir.name} has no {name}; retrain with "
            "`winnow train` (the training configuration needs [pages])"
        )
    if not artifact.is_file():
        raise ModelIntegrityError(f"{artifact}: model file is missing")
    data = artifact.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected["sha256"]:
        raise ModelIntegrityError(
            f"{artifact}: SHA-256 does not match {METADATA_FILE}; the file is corrupt or "
            "was modified. Refusing to load it; retrain with `winnow train`."
        )
    trained_with = metadata["library_versions"].get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ModelIntegrityError(
            f"{artifact}: trained with scikit-learn {trained_with}, but {sklearn.__version__} is "
            "installed; retrain with `winnow train` or install the matching version."
        )
    return data


def load_model(models_dir: Path | str | None = None, version: str | None = None) -> SpamModel:
    """Load the current (or the named) model after verifying its artefact.

    ``models_dir`` defaults to the ``WINNOW_MODELS_DIR`` setting (``models``).
    """
    version_dir, metadata = _version(models_dir, version)
    pipeline = _load_verified(version_dir, metadata, ARTIFACT_FILE, Pipeline)
    scorer = _load_scorer(version_dir, metadata, pipeline)
    model = SpamModel(pipeline, float(metadata["threshold"]), version_dir.name, metadata, scorer)
    return model.warm()


def _load_scorer(version_dir: Path, metadata: dict[str, Any], pipeline: Pipeline) -> FastScorer:
    """The saved fast-scorer tables (hash-checked, no pickle), or tables compiled now
    for a version saved before they existed; either way checked against the pipeline."""
    if TABLES_FILE not in metadata["artifacts"]:
        return check_scorer(FastScorer.compile(pipeline))
    return scorer_from_bytes(pipeline, verify_artifact(version_dir, metadata, TABLES_FILE))


def load_segmenter(models_dir: Path | str | None = None, version: str | None = None) -> Any:
    """Load the page segmenter trained with the current (or the named) model."""
    from winnow.segment import PageSegmenter

    version_dir, metadata = _version(models_dir, version)
    segmenter = _load_verified(version_dir, metadata, SEGMENTER_FILE, PageSegmenter)
    missing = sorted(set(PageSegmenter._get_param_names()) - vars(segmenter).keys())
    if missing:
        raise ModelIntegrityError(
            f"{version_dir / SEGMENTER_FILE}: saved by an older winnow (no {', '.join(missing)}); "
            "retrain with `winnow train`."
        )
    return segmenter


def _version(models_dir: Path | str | None, version: str | None) -> tuple[Path, dict[str, Any]]:
    if models_dir is None:
        from winnow.settings import Settings

        models_dir = Settings().models_dir
    models_dir = Path(models_dir)
    if version is None:
        version = current_version(models_dir)
    else:
        _check_version_name(version, "--model")
    return models_dir / version, read_metadata(models_dir / version)


def _load_verified(version_dir: Path, metadata: dict[str, Any], name: str, kind: type) -> Any:
    """Unpickle the very bytes that were verified (read once, so the file cannot be
    swapped between the check and the load)."""
    data = verify_artifact(version_dir, metadata, name)
    obj = joblib.load(io.BytesIO(data))
    if not isinstance(obj, kind):
        raise ModelIntegrityError(f"{version_dir / name}: not a winnow {kind.__name__}")
    return obj


class LiveModel:
    """The promoted model of a running service, swapped when ``models/current`` changes.

    :meth:`refresh` loads a newly promoted version completely (verified) before
    one attribute assignment swaps it in, so a request holding the old model
    finishes with it and no request ever sees a half-loaded one. A version that
    fails to load or verify is never swapped in; it is retried only when
    ``models/current`` is written again.
    """

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = Path(models_dir)
        self.model: SpamModel | None = None
        self.error: str | None = None
        self._refused: tuple[str, float] | None = None

    def refresh(self) -> bool:
        """Load the promoted version if it is new; returns whether the model changed."""
        try:
            version = current_version(self.models_dir)
            stamp = (self.models_dir / CURRENT_FILE).stat().st_mtime
        except (ModelError, OSError) as exc:
            self.error = str(exc) if self.model is None else self.error
            return False
        if (self.model and self.model.version == version) or self._refused == (version, stamp):
            return False
        try:
            model = load_model(self.models_dir, version)
        except ModelError as exc:
            self._refused, self.error = (version, stamp), str(exc)
            log.error("model %s refused, keeping %s: %s", version, self.version, exc)
            return False
        self.model, self.error = model, None
        log.info("model %s loaded", version)
        return True

    @property
    def version(self) -> str | None:
        return self.model.version if self.model else None
