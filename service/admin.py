"""Admin operations under ``/v1/admin``: site keys and model reloads.

They need an admin key (``winnow keys add --admin``); a site key gets 403. The
same operations exist on the command line (``winnow keys ...``) for the host's
operator; these let a control panel run them over HTTP.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from winnow.errors import ApiKeyError
from winnow.keys import issue_key, key_prefix
from winnow.moderation import Moderator
from winnow.store import KeyRecord
from winnow_service.deps import admin_key, get_moderator
from winnow_service.reloads import model_swapped
from winnow_service.schemas import KeyIn, KeyOut, NewKeyOut, ReloadOut, problems

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    dependencies=[Depends(admin_key)],
    responses=problems(400, 401, 403, 413, 422, 429, 503),
)


@router.get("/keys", response_model=list[KeyOut])
def list_keys(moderator: Moderator = Depends(get_moderator)) -> list[KeyOut]:
    """Every key, active or revoked, by prefix."""
    return [KeyOut.of(record) for record in moderator.store.list_keys()]


@router.post("/keys", response_model=NewKeyOut, status_code=201)
def add_key(body: KeyIn, moderator: Moderator = Depends(get_moderator)) -> NewKeyOut:
    """Create a site key; the answer holds the key itself, the only time it is shown."""
    try:
        key, record = issue_key(
            moderator.store, body.site, body.spam_threshold, body.discard_threshold
        )
    except ApiKeyError as exc:
        raise HTTPException(422, f"site: {exc}") from None
    return NewKeyOut(key=key, **KeyOut.of(record).model_dump())


@router.delete("/keys/{prefix}", response_model=KeyOut, responses=problems(404, 409))
def revoke_key(
    prefix: str,
    moderator: Moderator = Depends(get_moderator),
    admin: KeyRecord = Depends(admin_key),
) -> KeyOut:
    """Revoke the key with this prefix; services stop accepting it within seconds."""
    if key_prefix(prefix) == admin.prefix:
        raise HTTPException(409, "an admin key cannot revoke itself: use `winnow keys revoke`")
    try:
        record = moderator.store.revoke_key(key_prefix(prefix))
    except ApiKeyError as exc:
        raise HTTPException(404, str(exc)) from None
    return KeyOut.of(record)


@router.post("/reload", response_model=ReloadOut)
def reload_model(request: Request, moderator: Moderator = Depends(get_moderator)) -> ReloadOut:
    """Load the promoted model now in the worker that answers, instead of at its next
    poll (every ``WINNOW_RELOAD_INTERVAL`` seconds, which reaches every worker)."""
    live = moderator.live
    reloaded = live.refresh()
    if reloaded:
        model_swapped(request.app)
    detail = None
    if live.error:  # the message names server files: the log has it, the answer does not
        detail = f"the promoted model was refused, see the service log (serving {live.version})"
    return ReloadOut(model_version=live.version, reloaded=reloaded, detail=detail)
