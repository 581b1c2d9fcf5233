"""The compiled kernels (:mod:`winnow.kernels`), where numba is installed and usable.

numba is optional (``pip install winnow[fast]``). Without it every caller takes its
pure Python or NumPy route, which gives the same results, more slowly.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from typing import Any

log = logging.getLogger(__name__)


@functools.cache
def compiled_kernels() -> Any:
    """:mod:`winnow.kernels` when numba is installed and usable, else None (the pure
    Python and NumPy routes, same results). numba refuses to set up its on-disk cache
    where neither the package folder nor ``NUMBA_CACHE_DIR`` is writable: scoring then
    goes on without it."""
    if importlib.util.find_spec("numba") is None:
        return None
    try:
        from winnow import kernels  # imports numba: only when it is there and needed
    except (ImportError, RuntimeError, OSError) as exc:
        log.warning("compiled kernels unavailable, using the Python and NumPy routes: %s", exc)
        return None
    return kernels
