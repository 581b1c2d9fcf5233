"""The native JSON API through TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import asdict

import pytest
from fastapi import HTTPException, Request
from fastapi.testclient import TestClient

from winnow.moderation import Comment
from winnow.registry import promote
from winnow_service.app import create_app
from winnow_service.deps import UNREADABLE, json_body
from winnow_service.schemas import CommentIn, Reason

SPAM = "Google is paying $190 an hour for easy work from home, start now at quick-pay-jobs.com"
HAM = "The council's plan for the bypass ignores the flooding on Mill Lane every winter."


def test_check_answers_spam_with_reasons_and_version(client, auth, bundled_model):
    answer = client.post("/v1/check", json={"text": SPAM}, headers=auth)
    assert answer.status_code == 200
    body = answer.json()
    assert body["verdict"] in ("spam", "discard")
    assert body["spam_probability"] >= bundled_model.threshold
    assert body["model_version"] == bundled_model.version
    assert body["reasons"] and all(r["weight"] > 0 for r in body["reasons"])
    assert all(set(r) == set(Reason.model_fields) for r in body["reasons"])  # no more
    assert len(body["guid"]) == 32


def test_check_answers_ham(client, auth):
    body = client.post("/v1/check", json={"text": HAM, "author": "Ann"}, headers=auth).json()
    assert body["verdict"] == "ham"
    assert all(r["weight"] < 0 for r in body["reasons"])


def test_batch_keeps_order_and_one_model(client, auth):
    answer = client.post(
        "/v1/check-batch", json={"comments": [{"text": HAM}, {"text": SPAM}]}, headers=auth
    )
    assert answer.status_code == 200
    verdicts = [r["verdict"] for r in answer.json()["results"]]
    assert verdicts[0] == "ham" and verdicts[1] in ("spam", "discard")


def test_batch_over_the_limit_is_refused_naming_the_field(service_settings, site_key):
    service_settings.max_batch = 2
    with TestClient(create_app(service_settings)) as small:
        answer = small.post(
            "/v1/check-batch",
            json={"comments": [{"text": "a"}] * 3},
            headers={"Authorization": f"Bearer {site_key}"},
        )
    assert answer.status_code == 422
    assert answer.json() == {"detail": "comments: at most 2 comments per batch (got 3)"}


def test_feedback_is_stored_and_test_conventions_do_not_apply(client, auth, store):
    answer = client.post("/v1/feedback", json={"text": SPAM, "label": "spam"}, headers=auth)
    assert answer.status_code == 201
    assert answer.json()["stored"] is True
    [stored] = store.feedback()
    assert (stored.text, stored.label, stored.site, stored.api) == (
        SPAM,
        "spam",
        "news.example.com",
        "native",
    )


def test_model_endpoint_reports_version_thresholds_and_metrics(client, auth, bundled_model):
    body = client.get("/v1/model", headers=auth).json()
    assert body["version"] == bundled_model.version
    assert body["spam_threshold"] == bundled_model.threshold
    assert body["discard_threshold"] >= body["spam_threshold"]
    assert body["metrics"]["roc_auc"] > 0.9


def test_checks_are_logged_with_text_when_the_log_is_full(client, auth, store):
    client.post("/v1/check", json={"text": HAM, "author": "Ann"}, headers=auth)
    client.app.state.moderator.log_writer.flush()
    [logged] = store.checks()
    assert (logged["text"], logged["verdict"], logged["api"]) == (HAM, "ham", "native")


def test_missing_and_wrong_keys_are_401(client):
    missing = client.post("/v1/check", json={"text": HAM})
    wrong = client.post(
        "/v1/check", json={"text": HAM}, headers={"Authorization": "Bearer " + "a" * 32}
    )
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.json() == {"detail": "missing API key: send 'Authorization: Bearer <key>'"}
    assert wrong.json() == {"detail": "invalid or revoked API key"}


def test_another_sites_comment_is_403(client, auth):
    answer = client.post(
        "/v1/check", json={"text": HAM, "site": "https://other.example.org"}, headers=auth
    )
    assert answer.status_code == 403
    assert answer.json() == {
        "detail": "site: 'https://other.example.org' is not this API key's site"
    }


def test_bad_json_and_wrong_types_are_422_naming_the_field(client, auth):
    broken = client.post(
        "/v1/check", content=b"{not json", headers={**auth, "content-type": "application/json"}
    )
    wrong = client.post("/v1/check", json={"text": 5}, headers=auth)
    empty = client.post("/v1/check", json={"text": ""}, headers=auth)
    surrogate = client.post(
        "/v1/check",
        content=b'{"text": "\\ud800"}',
        headers={**auth, "content-type": "application/json"},
    )
    assert [r.status_code for r in (broken, wrong, empty, surrogate)] == [422] * 4
    assert wrong.json()["detail"][0]["loc"] == ["body", "text"]
    assert empty.json()["detail"][0]["type"] == "string_too_short"
    assert surrogate.json()["detail"][0]["loc"] == ["body", "text"]


def test_a_2_mb_comment_is_413_and_nothing_stored_is_lost(client, auth, store):
    client.post("/v1/feedback", json={"text": HAM, "label": "ham"}, headers=auth)
    answer = client.post(
        "/v1/feedback", json={"text": "x" * 2_000_000, "label": "spam"}, headers=auth
    )
    assert answer.status_code == 413
    assert answer.json() == {"detail": "request body too large: at most 1048576 bytes"}
    assert [f.text for f in store.feedback()] == [HAM]


def test_a_long_comment_under_the_body_limit_is_422(client, auth):
    answer = client.post("/v1/check", json={"text": "y" * 70_000}, headers=auth)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["type"] == "string_too_long"


def test_health_readiness_and_metrics(client, auth, bundled_model):
    client.post("/v1/check", json={"text": SPAM}, headers=auth)
    assert client.get("/healthz").json() == {
        "status": "ok",
        "model_version": None,
        "database": None,
        "detail": None,
    }
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["model_version"] == bundled_model.version
    metrics = client.get("/metrics").text
    assert 'winnow_http_requests_total{method="POST",route="/v1/check",status="200"} 1.0' in metrics
    assert f'winnow_model_info{{version="{bundled_model.version}"}} 1.0' in metrics
    assert "winnow_http_request_duration_seconds_bucket" in metrics


def test_without_a_model_checks_are_503_and_not_ready(service_settings, site_key, tmp_path):
    service_settings.models_dir = tmp_path / "empty"
    with TestClient(create_app(service_settings)) as empty:
        answer = empty.post(
            "/v1/check", json={"text": HAM}, headers={"Authorization": f"Bearer {site_key}"}
        )
        ready = empty.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"detail": "no model available: the service cannot score"}
    assert ready.status_code == 503 and ready.json()["status"] == "not ready"


def test_openapi_documents_the_native_operations(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/check", "/v1/check-batch", "/v1/feedback", "/v1/model"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_a_corrupt_promoted_model_is_never_swapped_in(service_settings, models_copy, site_key):

    service_settings.models_dir = models_copy
    old = (models_copy / "current").read_text().strip()
    shutil.copytree(models_copy / old, models_copy / "20990101-000000")
    (models_copy / "20990101-000000" / "model.joblib").write_bytes(b"not a model")
    auth = {"Authorization": f"Bearer {site_key}"}
    with TestClient(create_app(service_settings)) as client:
        promote(models_copy, "20990101-000000")
        time.sleep(1.0)
        answer = client.post("/v1/check", json={"text": HAM}, headers=auth)
        ready = client.get("/readyz")
    assert answer.status_code == 200 and answer.json()["model_version"] == old
    assert ready.status_code == 200 and ready.json()["model_version"] == old


def test_a_single_check_refuses_unreadable_bodies_as_the_other_routes_do(client, auth):
    """/v1/check reads its own body; broken bodies get the answers FastAPI gives the
    routes whose bodies it reads (here /v1/feedback), and a wrong type names the body."""
    json_type = {**auth, "content-type": "application/json"}
    for body in (b'{"text": "hi', b'{"text": "\xff"}'):
        check = client.post("/v1/check", content=body, headers=json_type)
        feedback = client.post("/v1/feedback", content=body, headers=json_type)
        assert (check.status_code, check.json()) == (feedback.status_code, feedback.json())
        assert check.status_code in (400, 422)
    empty = client.post("/v1/check", content=b"", headers=json_type)
    assert empty.status_code == 422
    assert empty.json()["detail"] == [{"loc": ["body"], "msg": "Field required", "type": "missing"}]
    a_list = client.post("/v1/check", content=b"[1]", headers=json_type)
    assert a_list.status_code == 422
    assert a_list.json()["detail"] == [
        {"loc": ["body"], "msg": "Input should be an object", "type": "model_type"}
    ]
    vendor_json = {**auth, "content-type": "application/vnd.example+json; charset=utf-8"}
    answered = client.post("/v1/check", content=b'{"text": "hi"}', headers=vendor_json)
    assert answered.status_code == 200 and answered.json()["verdict"] in ("ham", "spam", "discard")
    for content_type in ("text/plain", None):
        headers = {**auth, "content-type": content_type} if content_type else auth
        as_text = client.post("/v1/check", content=b'{"text": "hi"}', headers=headers)
        assert as_text.status_code == 422
        assert as_text.json()["detail"] == [
            {
                "loc": ["body"],
                "msg": "the body must be JSON, sent with Content-Type: application/json",
                "type": "content_type",
            }
        ]


def test_a_caller_gone_mid_body_is_a_400_not_a_fault():
    """The body of a single check is read by the route: a client that disconnects while
    sending it gets FastAPI's answer for an unreadable body, not a 5xx."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/check",
        "headers": [(b"content-type", b"application/json")],
    }

    async def gone() -> dict:
        return {"type": "http.disconnect"}

    with pytest.raises(HTTPException) as refused:
        asyncio.run(json_body(Request(scope, gone), CommentIn))
    assert (refused.value.status_code, refused.value.detail) == (400, UNREADABLE)


def test_a_comment_in_carries_every_field_to_the_library():
    fields = {name: f"value of {name}" for name in Comment.__dataclass_fields__}
    assert asdict(CommentIn(**fields).comment()) == fields
