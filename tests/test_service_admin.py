"""Admin operations: keys and reloads over HTTP, only with an admin key; and the fail-safe
answer to an unexpected error."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from service_fixtures import SITE
from test_service_native import HAM
from winnow.keys import issue_admin_key, looks_like_key
from winnow.registry import promote
from winnow_service.app import create_app
from winnow_service.middleware import INTERNAL_ERROR

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ADMIN_ONLY = "this operation needs an admin key; a site key cannot use it"
ADMIN_OPERATIONS = [
    ("GET", "/v1/admin/keys", None),
    ("POST", "/v1/admin/keys", {"site": "https://evil.example.net"}),
    ("DELETE", "/v1/admin/keys/00000000", None),
    ("POST", "/v1/admin/reload", None),
]


@pytest.fixture
def admin(store) -> dict[str, str]:
    key, _ = issue_admin_key(store)
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_OPERATIONS)
def test_a_site_key_cannot_reach_admin_operations(client, auth, store, method, path, body):
    keys_before = store.list_keys()
    answer = client.request(method, path, json=body, headers=auth)
    assert (answer.status_code, answer.json()) == (403, {"detail": ADMIN_ONLY})
    assert client.request(method, path, json=body).status_code == 401
    assert store.list_keys() == keys_before


def test_an_admin_key_cannot_check_comments(client, admin):
    answer = client.post("/v1/check", json={"text": HAM}, headers=admin)
    detail = "an admin key cannot check or report comments: use a site key"
    assert (answer.status_code, answer.json()) == (403, {"detail": detail})
    key = admin["Authorization"].removeprefix("Bearer ")
    verify = client.post("/1.1/verify-key", data={"key": key, "blog": SITE})
    assert verify.text == "invalid"


def test_an_admin_adds_lists_and_revokes_site_keys(client, admin, auth):
    added = client.post(
        "/v1/admin/keys", json={"site": "https://www.Other.example.org/"}, headers=admin
    )
    assert added.status_code == 201
    new = added.json()
    assert looks_like_key(new["key"]) and new["site"] == "other.example.org"
    assert new["role"] == "site" and new["prefix"] == new["key"][:8]
    listed = client.get("/v1/admin/keys", headers=admin)
    assert listed.status_code == 200
    assert {k["site"] for k in listed.json()} == {"news.example.com", "other.example.org", "*"}
    assert new["key"] not in listed.text and "hash" not in listed.text
    revoked = client.delete(f"/v1/admin/keys/{new['prefix']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"].startswith("20")
    refused = client.post(
        "/v1/check", json={"text": HAM}, headers={"Authorization": f"Bearer {new['key']}"}
    )
    assert refused.status_code == 401


def test_admin_errors_name_the_field_or_the_key(client, admin):
    bad = client.post("/v1/admin/keys", json={"site": "http://"}, headers=admin)
    assert (bad.status_code, bad.json()) == (422, {"detail": "site: not a site URL: 'http://'"})
    missing = client.delete("/v1/admin/keys/abcdef12", headers=admin)
    detail = "no active key with prefix 'abcdef12'"
    assert (missing.status_code, missing.json()) == (404, {"detail": detail})
    prefix = admin["Authorization"].removeprefix("Bearer ")[:8]
    itself = client.delete(f"/v1/admin/keys/{prefix}", headers=admin)
    assert itself.status_code == 409


@pytest.mark.parametrize("value", [False, True, "0.5"])
def test_a_threshold_must_be_a_number(client, admin, value):
    """Found by fuzzing: ``false`` was taken for 0.0 and the key created with it."""
    before = client.get("/v1/admin/keys", headers=admin).json()
    body = {"site": "https://news.example.com", "spam_threshold": value}
    answer = client.post("/v1/admin/keys", json=body, headers=admin)
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", "spam_threshold"]]
    assert client.get("/v1/admin/keys", headers=admin).json() == before


def test_reload_swaps_in_a_promoted_model_and_refuses_a_corrupt_one(
    service_settings, models_copy, admin
):
    service_settings.models_dir, service_settings.reload_interval = models_copy, 3600
    old = (models_copy / "current").read_text().strip()
    for version in ("20990101-000000", "20990101-000001"):
        shutil.copytree(models_copy / old, models_copy / version)
    (models_copy / "20990101-000001" / "model.joblib").write_bytes(b"not a model")
    with TestClient(create_app(service_settings)) as client:
        promote(models_copy, "20990101-000000")
        swapped = client.post("/v1/admin/reload", headers=admin).json()
        promote(models_copy, "20990101-000001")
        refused = client.post("/v1/admin/reload", headers=admin).json()
    assert swapped == {"model_version": "20990101-000000", "reloaded": True, "detail": None}
    assert refused["model_version"] == "20990101-000000" and refused["reloaded"] is False
    assert "refused" in refused["detail"] and str(models_copy) not in refused["detail"]


def broken(*args, **kwargs):
    raise RuntimeError(f"scorer exploded in {__file__}")


def test_an_unexpected_error_is_a_503_without_a_trace(client, auth, monkeypatch):
    monkeypatch.setattr(client.app.state.moderator, "check_each", broken)
    answer = client.post("/v1/check", json={"text": HAM}, headers=auth)
    assert (answer.status_code, answer.json()) == (503, {"detail": INTERNAL_ERROR})
    assert "exploded" not in answer.text and __file__ not in answer.text


def test_an_unexpected_error_tells_akismet_plugins_to_hold_the_comment(
    client, site_key, monkeypatch
):
    monkeypatch.setattr(client.app.state.moderator, "check_each", broken)
    form = {"api_key": site_key, "blog": SITE, "user_ip": "203.0.113.7", "comment_content": HAM}
    answer = client.post("/1.1/comment-check", data=form)
    assert answer.status_code == 503
    assert answer.headers["X-akismet-error"] == INTERNAL_ERROR
    assert answer.text not in ("true", "false") and "exploded" not in answer.text
