"""The exceptions winnow raises.

Every error a user can cause derives from :class:`WinnowError`, so the CLI and
the service can turn any of them into one clear message without a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path


class WinnowError(Exception):
    """Base class of every error caused by input, configuration or artefacts."""


class DataError(WinnowError):
    """A data file cannot be read: bad format, missing column, malformed row.

    ``location`` is the human description of where ("line 7", "row 12").
    """

    def __init__(self, path: Path | str, message: str, location: str | None = None) -> None:
        self.path = str(path)
        self.location = location
        self.reason = message
        where = f"{self.path} {location}" if location else self.path
        super().__init__(f"{where}: {message}")


class ConfigError(WinnowError):
    """The training configuration file is missing or invalid."""


class ModelError(WinnowError):
    """A model cannot be used."""


class ModelNotFoundError(ModelError):
    """No model has been trained or promoted yet, or the named version is absent."""


class ModelIntegrityError(ModelError):
    """A model artefact is corrupt, tampered with, or built by another library version."""


class TrainingError(WinnowError):
    """Training could not finish: a worker process died (out of memory, killed)."""


class StoreError(WinnowError):
    """The feedback store (SQLite or PostgreSQL) cannot be reached, is locked, or is full.

    The message is short and safe to show to a client: it never carries SQL, paths
    or connection strings.
    """


class ApiKeyError(WinnowError):
    """An API-key operation failed: unknown key, key already revoked, bad site URL."""


class RateLimited(WinnowError):
    """A client sent more requests than its rate limit allows; ``wait`` seconds until the next."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"rate limit exceeded for this key: retry in {max(1, math.ceil(wait))} s")
        self.wait = wait


class ReportError(WinnowError):
    """The quality report cannot be built or written (matplotlib missing, data changed)."""
