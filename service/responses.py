"""JSON answers serialised with orjson, for the routes on the hot path."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """A JSON answer rendered by orjson (a plain dict in, bytes out: no model
    validation or ``jsonable_encoder`` pass on the way)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
