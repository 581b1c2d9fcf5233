"""Fuzz every operation of the service's own OpenAPI schema with schemathesis.

Each operation gets generated requests (valid and invalid bodies, odd parameters)
sent in-process to an app on SQLite, with rate limits off. Most carry the right
API key (an admin key for ``/v1/admin``, else the site's) so the fuzzer reaches
the handlers; some carry none or a wrong one. No answer may be a 5xx, and every
one must conform to the schema: a documented status, content type and body;
invalid requests must be refused; the key must be enforced.
The Akismet routes are in the schema too (form bodies, plain-text answers).

Bounded by default (``EXAMPLES`` per operation, derandomized); ``make fuzz`` runs
the ``fuzz`` Hypothesis profile (``HYPOTHESIS_PROFILE=fuzz``) with many more.
Run with ``-s`` to see how many cases each operation got.
"""

from __future__ import annotations

import codecs
import os
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import negative_data_rejection
from schemathesis.config import SchemathesisConfig

from service_fixtures import SITE
from winnow.keys import issue_admin_key
from winnow.settings import Settings
from winnow_service.app import create_app

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
EXAMPLES = {"default": 50, "fuzz": 500}.get(PROFILE, 50)
BASE_URL = "http://testserver"
AKISMET = ("/1.1/", "/1.2/")

# operation label -> how its answers went ("200", "401", "200 true"...), for the summary.
CASES: dict[str, Counter[str]] = defaultdict(Counter)


@pytest.fixture
def database_url(tmp_path) -> str:
    """SQLite only: the fuzz tests exercise the HTTP layer, not the store backends."""
    return f"sqlite:///{tmp_path / 'var' / 'winnow.db'}"


@pytest.fixture
def fuzz_settings(service_settings: Settings) -> Settings:
    return service_settings.model_copy(
        update={"ip_rate_limit": 0, "key_rate_limit": 0, "log_level": "warning"}
    )


@pytest.fixture
def app(fuzz_settings: Settings, site_key: str) -> FastAPI:
    """A fresh app per operation; schemathesis runs its lifespan (model, store) on the
    first request and ends it when the test ends."""
    return create_app(fuzz_settings)


@pytest.fixture
def admin_key(store) -> str:
    """The key that the admin operations need (a site key gets 403 there)."""
    return issue_admin_key(store)[0]


@pytest.fixture(scope="module", autouse=True)
def case_counts() -> Iterator[dict[str, Counter[str]]]:
    """Print how many cases each operation ran, and their answers (shown with ``-s``)."""
    yield CASES
    width = max(map(len, CASES), default=0)
    print(f"\nschemathesis cases per operation (Hypothesis profile {PROFILE!r}):")
    for label, answers in sorted(CASES.items()):
        spread = ", ".join(f"{answer}: {n}" for answer, n in sorted(answers.items()))
        print(f"  {label:<{width}}  {answers.total():>5}  ({spread})")
    print(f"  {'total':<{width}}  {sum(a.total() for a in CASES.values()):>5}")


# Invalid requests must be refused with one of these (a body over the limit: 413, unread).
REFUSALS = ["400", "401", "403", "404", "405", "413", "415", "422", "429"]
# A new key's site is checked beyond its schema (a string): one that is not a URL is a 422.
ACCEPTED_NEW_KEY = ["2xx", "401", "403", "422", "429", "5xx"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
        "operations": [
            {
                "include-path": "/v1/admin/keys",
                "include-method": "POST",
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_NEW_KEY}},
            }
        ],
    }
)
# The schema the app itself serves at /openapi.json; it does not depend on settings.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(_env_file=None)).openapi(), config=CONFIG
)

# Most cases carry the site's key, so the fuzzer gets past authentication.
KEYS = st.sampled_from(["good"] * 8 + ["none", "wrong"])


@schema.given(key=KEYS)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=PROFILE != "fuzz",
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_conform_to_its_schema(case, key, app, site_key, admin_key):
    # This test's app; the fuzzer's own probes (the request again without the key) go to it too.
    case.operation.app = case.operation.schema.app = app
    right = admin_key if case.path.startswith("/v1/admin/") else site_key
    secret = {"good": right, "wrong": wrong_key(right)}.get(key)
    akismet = case.path.startswith(AKISMET)
    if akismet:
        with_akismet_key(case, secret)
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    # Akismet answers a malformed request 200 'invalid' with X-akismet-debug-help, not 4xx.
    excluded = [negative_data_rejection] if akismet else []
    response = case.call_and_validate(base_url=BASE_URL, headers=headers, excluded_checks=excluded)
    CASES[case.operation.label][outcome(response, akismet)] += 1


def wrong_key(key: str) -> str:
    """A key of the right shape and prefix that was never issued."""
    return key[:-1] + ("0" if key[-1] != "0" else "1")


def with_akismet_key(case, secret: str | None) -> None:
    """Akismet's key (and the site it is for) travel in the form or the query string."""
    if case.method == "GET":
        case.query = case.query or {}
    fields = case.body if isinstance(case.body, dict) else case.query
    if fields is None:  # a body that is not a form: left as generated
        return
    fields.pop("key", None)
    fields.pop("api_key", None)
    if secret:
        fields |= {"api_key": secret, "blog": SITE}


def outcome(response, akismet: bool) -> str:
    """The status; for an Akismet answer also its first word (true, false, invalid...)."""
    if akismet and response.status_code == 200 and not response.content.startswith(b"{"):
        return f"200 {response.content.decode().split(' ', 1)[0]}"
    return str(response.status_code)


def test_akismet_help_that_quotes_the_request_is_a_safe_header(client):
    """Found by fuzzing: a help text quoting a non-latin-1 ``blog_charset`` was a 500,
    and one holding a line break could have split the headers."""
    form = {"blog": SITE, "blog_charset": "\u20ac\nX-Injected: yes"}
    answer = client.post("/1.1/comment-check", data=form)
    assert (answer.status_code, answer.text) == (200, "invalid")
    help_text = answer.headers["X-akismet-debug-help"]
    assert help_text.isascii() and help_text.isprintable()
    assert "blog_charset" in help_text and "X-Injected" not in answer.headers


# Found by fuzzing in the library: each was a 500 (ValueError from urlsplit and from codecs).
def test_a_site_that_is_not_a_url_is_not_this_keys_site(client, auth):
    answer = client.post("/v1/check", json={"text": "Well said.", "site": "["}, headers=auth)
    assert answer.status_code == 403


def test_akismet_charset_holding_a_nul_is_refused(client):
    answer = client.post("/1.1/verify-key", data={"blog": SITE, "blog_charset": "\0"})
    assert (answer.status_code, answer.text) == (200, "invalid")


@pytest.mark.parametrize("charset", ["undefined", "base64", "rot13", "zlib"])
def test_akismet_charsets_that_are_not_text_encodings_are_refused(client, charset):
    """Found by fuzzing: Python knows these codecs, but they cannot decode bytes to text
    (``undefined`` raises on any use), and a form declaring one was a 500."""
    form = {"blog": SITE, "blog_charset": charset, "comment_content": "hello"}
    answer = client.post("/1.2/usage-limit", data=form)
    assert (answer.status_code, answer.text) == (200, "invalid")
    codec = codecs.lookup(charset).name
    assert (
        answer.headers["X-akismet-debug-help"] == f'"blog_charset" {codec} is not a text encoding'
    )
