"""The Akismet-compatible API through TestClient: the exact strings and headers clients read."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import count_batches
from service_fixtures import SITE
from test_service_native import HAM, SPAM
from winnow_service.akismet_api import reasons_header
from winnow_service.app import create_app

THANKS = "Thanks for making the web a better place."


@pytest.fixture
def form(site_key):
    def make(**fields: str) -> dict[str, str]:
        return {"api_key": site_key, "blog": SITE, "user_ip": "203.0.113.7", **fields}

    return make


def test_verify_key(client, site_key):
    valid = client.post("/1.1/verify-key", data={"key": site_key, "blog": SITE + "/"})
    other_site = client.post("/1.1/verify-key", data={"key": site_key, "blog": "https://x.org"})
    wrong = client.post("/1.2/verify-key", data={"key": "f" * 32, "blog": SITE})
    assert (valid.text, other_site.text, wrong.text) == ("valid", "invalid", "invalid")
    assert wrong.headers["x-akismet-debug-help"].startswith("Invalid API key or site")


def test_comment_check_ham_and_spam(client, form):
    ham = client.post("/1.1/comment-check", data=form(comment_content=HAM))
    spam = client.post("/1.1/comment-check", data=form(comment_content=SPAM))
    assert (ham.status_code, ham.text, spam.text) == (200, "false", "true")
    assert ham.headers["content-type"].startswith("text/plain")
    assert len(ham.headers["x-akismet-guid"]) == len(spam.headers["x-akismet-guid"]) == 32
    reasons = json.loads(spam.headers["x-winnow-reasons"])
    assert reasons and all(r["weight"] > 0 for r in reasons)
    assert "x-winnow-reasons" not in ham.headers


def test_concurrent_checks_are_judged_together_and_answered_each_as_alone(
    client, form, auth, monkeypatch
):
    moderator = client.app.state.moderator
    batches = count_batches(monkeypatch, moderator)
    texts = [SPAM, HAM, HAM, SPAM] * 3
    alone = [client.post("/1.1/comment-check", data=form(comment_content=t)).text for t in texts]
    verdicts = [client.post("/v1/check", json={"text": t}, headers=auth).json() for t in texts]
    batches.clear()

    async def together() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            akismet = [http.post("/1.1/comment-check", data=form(comment_content=t)) for t in texts]
            native = [http.post("/v1/check", json={"text": t}, headers=auth) for t in texts]
            return await asyncio.gather(*akismet, *native)

    answers = client.portal.call(together)
    assert alone == ["true", "false", "false", "true"] * 3
    assert [a.text for a in answers[: len(texts)]] == alone
    native = [a.json() for a in answers[len(texts) :]]
    assert [a["verdict"] for a in native] == [v["verdict"] for v in verdicts]
    assert [a["reasons"] for a in native] == [v["reasons"] for v in verdicts]
    assert sum(batches) == 2 * len(texts) and max(batches) > 1
    assert len({a.headers.get("x-akismet-guid") or a.json()["guid"] for a in answers}) == 24


def test_discard_above_the_second_threshold(client, form, site_key, store):
    client.app.state.moderator.discard_threshold = 0.5
    answer = client.post("/1.1/comment-check", data=form(comment_content=SPAM))
    assert (answer.text, answer.headers["x-akismet-pro-tip"]) == ("true", "discard")


def test_the_key_can_come_from_the_host_header(client, site_key):
    fields = {"blog": SITE, "user_ip": "203.0.113.7", "comment_content": SPAM}
    answer = client.post(
        "/1.1/comment-check", data=fields, headers={"host": f"{site_key}.rest.example.net"}
    )
    assert answer.text == "true"


def test_fields_can_come_in_the_query_string(client, site_key):
    query = f"api_key={site_key}&blog={SITE}&user_ip=203.0.113.7"
    answer = client.post(f"/1.1/comment-check?{query}", data={"comment_content": SPAM})
    body_wins = client.post(
        f"/1.1/comment-check?{query}&comment_content=hello", data={"comment_content": SPAM}
    )
    assert (answer.status_code, answer.text, body_wins.text) == (200, "true", "true")


def test_akismet_test_conventions(client, form):
    guaranteed = form(comment_content=HAM, comment_author="akismet-guaranteed-spam")
    admin = form(comment_content=SPAM, user_role="administrator")
    assert client.post("/1.1/comment-check", data=guaranteed).text == "true"
    assert client.post("/1.1/comment-check", data=admin).text == "false"


def test_submissions_are_stored_except_test_ones(client, form, store):
    spam = client.post("/1.1/submit-spam", data=form(comment_content=SPAM, unknown_field="x"))
    ham = client.post("/1.2/submit-ham", data=form(comment_content=HAM))
    test = client.post("/1.1/submit-spam", data=form(comment_content="probe", is_test="1"))
    assert [spam.text, ham.text, test.text] == [THANKS] * 3
    assert [(f.text, f.label, f.api) for f in store.feedback()] == [
        (SPAM, "spam", "akismet"),
        (HAM, "ham", "akismet"),
    ]


def test_test_checks_are_logged_without_text(client, form, store):
    client.post("/1.1/comment-check", data=form(comment_content=HAM, is_test="true"))
    client.app.state.moderator.log_writer.flush()
    [logged] = store.checks()
    assert logged["is_test"] == 1 and logged["text"] is None


@pytest.mark.parametrize("missing", ["blog", "user_ip"])
def test_missing_required_field(client, form, missing):
    fields = form(comment_content=HAM)
    del fields[missing]
    answer = client.post("/1.1/comment-check", data=fields)
    assert answer.status_code == 200
    assert answer.text == f"Missing required field: {missing}."
    assert answer.headers["x-akismet-debug-help"] == f'Empty "{missing}" value'


def test_bad_or_missing_key_is_invalid(client, form):
    fields = form(comment_content=HAM)
    del fields["api_key"]
    assert client.post("/1.1/comment-check", data=fields).text == "invalid"
    assert client.post("/1.1/submit-spam", data={**fields, "api_key": "nope"}).text == "invalid"


def test_non_utf8_form_data_is_refused_naming_the_field(client, site_key, store):
    body = f"api_key={site_key}&blog={SITE}&user_ip=1.2.3.4&comment_content=caf%E9".encode()
    headers = {"content-type": "application/x-www-form-urlencoded"}
    answer = client.post("/1.1/submit-spam", content=body, headers=headers)
    assert answer.text == "invalid"
    assert answer.headers["x-akismet-debug-help"] == (
        '"comment_content" is not valid utf-8: send UTF-8 or set "blog_charset"'
    )
    assert store.count_feedback() == 0


def test_declared_charset_is_honoured(client, site_key, store):
    body = (
        f"api_key={site_key}&blog={SITE}&user_ip=1.2.3.4&blog_charset=ISO-8859-1"
        "&comment_content=caf%E9"
    ).encode()
    headers = {"content-type": "application/x-www-form-urlencoded"}
    assert client.post("/1.1/submit-ham", content=body, headers=headers).text == THANKS
    assert store.feedback()[0].text == "café"


def test_oversized_body_is_413_with_debug_help(client, form):
    answer = client.post("/1.1/comment-check", data=form(comment_content="z" * 2_000_000))
    assert (answer.status_code, answer.text) == (413, "invalid")
    assert "request body too large" in answer.headers["x-akismet-debug-help"]


def test_usage_limit(client, form, site_key):
    client.post("/1.1/comment-check", data=form(comment_content=HAM))
    client.app.state.moderator.log_writer.flush()
    for answer in (
        client.get("/1.2/usage-limit", params={"api_key": site_key}),
        client.post("/1.2/usage-limit", data={"api_key": site_key}),
    ):
        assert answer.json() == {
            "limit": "none",
            "usage": 1,
            "percentage": "0.00",
            "throttled": False,
        }


def test_without_a_model_the_plugin_is_told_to_hold_the_comment(
    service_settings, site_key, tmp_path
):
    service_settings.models_dir = tmp_path / "empty"
    with TestClient(create_app(service_settings)) as empty:
        answer = empty.post(
            "/1.1/comment-check",
            data={"api_key": site_key, "blog": SITE, "user_ip": "1.2.3.4", "comment_content": HAM},
        )
    assert answer.status_code == 503
    assert answer.headers["x-akismet-error"] == "no model available: the service cannot score"
    assert answer.text == "Service unavailable: no model available: the service cannot score"
    assert str(tmp_path) not in answer.text + str(answer.headers)


@pytest.mark.parametrize("ngram", ["cash now", "Спасибо", "lone \ud800 surrogate", 'a"b\\\n'])
def test_reasons_header_is_ascii_json_of_the_reasons(ngram):
    reasons = [{"ngram": ngram, "kind": "word", "weight": 1.25}, {"ngram": "x", "kind": "char"}]
    header = reasons_header(reasons)
    assert header.isascii() and "\n" not in header
    assert json.loads(header) == reasons
