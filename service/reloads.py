"""What a worker does once it serves a newly loaded model, whoever loaded it (the
lifespan, the model watcher, or ``POST /v1/admin/reload``)."""

from __future__ import annotations

import gc

from fastapi import FastAPI


def settle_heap(swapped: bool = False) -> None:
    """Put what is alive now (the model and the libraries, some 250,000 objects) out of
    the cyclic garbage collector's reach, so that its full collections stop scanning it:
    each paused a busy worker for about 100 ms. After a model swap, the old model's
    cycles are collected first (one such pause per swap)."""
    if swapped:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def model_swapped(app: FastAPI) -> None:
    """Count the swap, show the new version in the metrics and settle the heap. Runs in
    a worker thread: the collection takes a moment."""
    app.state.metrics.set_model(app.state.moderator.live.version)
    app.state.metrics.reloads.inc()
    if app.state.settings.freeze_heap:
        settle_heap(swapped=True)
