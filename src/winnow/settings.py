"""Runtime settings, read from ``WINNOW_*`` environment variables or a ``.env`` file.

Settings objects are created by entry points (the CLI, the service), never at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/winnow.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WINNOW_", env_file=".env", extra="ignore")

    models_dir: Path = Path("models")
    training_config: Path = Path("training/config.toml")
    database_url: str = DEFAULT_DATABASE_URL
    export_dir: Path = Path("var/exports")

    # The service: thresholds (default: the model's), limits, logging, reloading.
    spam_threshold: float | None = Field(None, ge=0, le=1)
    discard_threshold: float | None = Field(None, ge=0, le=1)
    check_log: Literal["off", "metadata", "full"] = "metadata"
    max_batch: int = Field(1000, ge=1, le=100_000)
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_comment_chars: int = Field(65_536, ge=1)
    # Requests a second per worker process (bursts of twice that); 0 switches a limit off.
    ip_rate_limit: float = Field(300.0, ge=0)
    key_rate_limit: float = Field(300.0, ge=0)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    reload_interval: float = Field(2.0, gt=0)
    # Keep the loaded model out of the garbage collector's full scans (see the service's
    # lifespan); off only where one process starts many apps, as the tests do.
    freeze_heap: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
