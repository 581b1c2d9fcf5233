"""Rate limits per client address and per API key: 429 with Retry-After, nothing else refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service_fixtures import SITE
from test_service_native import HAM
from winnow.keys import issue_key
from winnow.settings import Settings
from winnow_service.app import create_app

KEY_LIMITED = "rate limit exceeded for this key: retry in 1 s"
IP_LIMITED = "rate limit exceeded for this address: retry in 1 s"


def limited_client(settings: Settings, **limits: float) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=limits))) as client:
        yield client


@pytest.fixture
def key_limited(service_settings, site_key) -> Iterator[TestClient]:
    yield from limited_client(service_settings, key_rate_limit=1.0, ip_rate_limit=0.0)


@pytest.fixture
def ip_limited(service_settings, site_key) -> Iterator[TestClient]:
    yield from limited_client(service_settings, key_rate_limit=0.0, ip_rate_limit=1.0)


def check(client: TestClient, key: str):
    return client.post("/v1/check", json={"text": HAM}, headers={"Authorization": f"Bearer {key}"})


def test_a_key_over_its_rate_gets_429_with_retry_after(key_limited, site_key):
    answers = [check(key_limited, site_key) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json() == {"detail": KEY_LIMITED}
    assert answers[2].headers["retry-after"] == "1"


def test_each_key_has_its_own_bucket(key_limited, site_key, store):
    other, _ = issue_key(store, "https://other.example.org")
    assert [check(key_limited, site_key).status_code for _ in range(3)][-1] == 429
    assert check(key_limited, other).status_code == 200


def test_akismet_clients_over_the_rate_are_told_to_hold_the_comment(key_limited, site_key):
    fields = {"api_key": site_key, "blog": SITE, "user_ip": "203.0.113.7", "comment_content": HAM}
    answers = [key_limited.post("/1.1/comment-check", data=fields) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].text == KEY_LIMITED
    assert answers[2].headers["x-akismet-error"] == KEY_LIMITED
    assert answers[2].headers["retry-after"] == "1"


def test_an_address_over_its_rate_gets_429_but_probes_never_do(ip_limited, site_key):
    answers = [check(ip_limited, site_key) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json() == {"detail": IP_LIMITED}
    assert answers[2].headers["retry-after"] == "1"
    assert {ip_limited.get("/healthz").status_code for _ in range(10)} == {200}


def test_akismet_paths_refused_by_address_get_the_akismet_error_form(ip_limited, site_key):
    fields = {"key": site_key, "blog": SITE}
    answers = [ip_limited.post("/1.1/verify-key", data=fields) for _ in range(3)]
    assert [a.text for a in answers[:2]] == ["valid", "valid"]
    assert (answers[2].status_code, answers[2].text) == (429, IP_LIMITED)
    assert answers[2].headers["x-akismet-error"] == IP_LIMITED


def test_limits_are_on_by_default():
    settings = Settings(_env_file=None)
    assert settings.ip_rate_limit > 0 and settings.key_rate_limit > 0
