"""winnow: a self-hosted spam classifier for the reader comments of news sites.

The package's public entry points are imported lazily so that ``import winnow``
stays cheap (the CLI's ``--help`` should not pay for scikit-learn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_model", "score_frame"]

if TYPE_CHECKING:
    from winnow.registry import load_model
    from winnow.scoring import score_frame


def __getattr__(name: str) -> Any:
    if name == "load_model":
        from winnow.registry import load_model

        return load_model
    if name == "score_frame":
        from winnow.scoring import score_frame

        return score_frame
    raise AttributeError(f"module 'winnow' has no attribute {name!r}")
