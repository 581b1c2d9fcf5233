"""Runtime settings, read from ``WINNOW_*`` environment variables or a ``.env`` file.

Settings objects are created by entry points (the CLI, the service), never at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WINNOW_", env_file=".env", extra="ignore")

    models_dir: Path = Path("models")
    training_config: Path = Path("training/config.toml")
