"""The training configuration: a TOML file under ``training/``, validated here.

Relative data paths in the file are resolved against the file's own folder, so
the configuration works from any working directory.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    model_validator,
)

from winnow.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Section):
    files: list[Path] = Field(min_length=1)
    text_column: str | None = None
    label_column: str | None = None


class ModelConfig(_Section):
    """Hyperparameters of the TF-IDF + logistic-regression pipeline."""

    word_ngram_range: tuple[int, int] = (1, 2)
    word_min_df: int = Field(1, ge=1)
    char_ngram_range: tuple[int, int] = (2, 5)
    char_min_df: int = Field(2, ge=1)
    sublinear_tf: bool = True
    word_binary: bool = False
    max_features: int | None = Field(None, ge=1)
    signals: bool = False
    C: float = Field(10.0, gt=0)
    class_weight: Literal["balanced"] | None = "balanced"
    max_iter: int = Field(2000, ge=100)
    calibration: Literal["none", "sigmoid", "isotonic"] = "sigmoid"
    calibration_folds: int = Field(5, ge=2, le=20)
    corpus_weight: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _check_ranges(self) -> ModelConfig:
        for name in ("word_ngram_range", "char_ngram_range"):
            low, high = getattr(self, name)
            if not 1 <= low <= high:
                raise ValueError(f"{name} must be [low, high] with 1 <= low <= high")
        return self


class TuningConfig(_Section):
    """The grid `winnow evaluate --tune` searches by nested cross-validation.

    Each list holds the values tried for the ``[model]`` parameter of that name.
    """

    C: list[float] = Field([10.0, 30.0, 100.0], min_length=1)
    char_ngram_range: list[tuple[int, int]] = Field([(2, 5), (3, 6)], min_length=1)
    word_min_df: list[int] = Field([1], min_length=1)
    sublinear_tf: list[bool] = Field([True], min_length=1)
    class_weight: list[Literal["balanced"] | None] = Field(["balanced"], min_length=1)
    corpus_weight: list[PositiveFloat] = Field([1.0], min_length=1)
    inner_folds: int = Field(3, ge=2, le=10)


class EvaluationConfig(_Section):
    folds: int = Field(5, ge=2, le=20)
    seed: int = 42


class ThresholdConfig(_Section):
    target_fpr: float = Field(0.01, gt=0, lt=1)
    discard_fpr: float = Field(0.001, ge=0, lt=1)


class RetrainConfig(_Section):
    """`make retrain`: how feedback joins the corpus and when a candidate is promoted."""

    holdout: float = Field(0.2, gt=0, lt=1)
    metric: Literal["roc_auc", "pr_auc", "f1", "mcc", "accuracy"] = "roc_auc"
    tolerance: float = Field(0.01, ge=0, le=1)
    feedback_weight: float = Field(3.0, gt=0)


class PagesConfig(_Section):
    """Annotated pages (see training/data/pages/README.md) for the page segmenter."""

    folder: Path | None = None


class SegmenterConfig(_Section):
    """The page segmenter's line classifier and its page-order decoding."""

    C: float = Field(3.0, gt=0)
    enter_penalty: float = Field(14.0, ge=0)
    switch_penalty: float = Field(0.3, ge=0)
    quote_weight: float = Field(0.8, ge=0, le=1)
    shape_weight: float = Field(0.8, ge=0, le=1)


class TrainingConfig(_Section):
    data: DataConfig
    pages: PagesConfig = PagesConfig()
    model: ModelConfig = ModelConfig()
    segmenter: SegmenterConfig = SegmenterConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    tuning: TuningConfig = TuningConfig()
    threshold: ThresholdConfig = ThresholdConfig()
    retrain: RetrainConfig = RetrainConfig()


def load_config(path: Path | str) -> TrainingConfig:
    """Read and validate a training configuration file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: training configuration not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    try:
        config = TrainingConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_first_problem(exc)}") from None
    config.data.files = [_resolve(path, f) for f in config.data.files]
    if config.pages.folder is not None:
        config.pages.folder = _resolve(path, config.pages.folder)
    return config


def _resolve(config_path: Path, target: Path) -> Path:
    return (target if target.is_absolute() else config_path.parent / target).resolve()


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"
