"""Unmodified third-party Akismet clients against a live ``winnow serve`` on loopback.

The promise of the Akismet-compatible API is that a site switches by changing the
host its client talks to. These tests hold us to it with real clients: the Python
``akismet`` package (its requests re-aimed by an httpx transport, the client itself
untouched) and the npm ``akismet-api`` package (run by node with a resolver shim so
that ``KEY.localhost`` reaches the loopback server).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator

import akismet
import httpx
import pytest

from conftest import ROOT
from service_fixtures import SITE
from winnow.store import FeedbackRecord, Store

NPM_DIR = ROOT / "tests" / "npm"
USER_IP = "203.0.113.9"
WRONG_KEY = "0" * 32
THANKS = "Thanks for making the web a better place."

# The bundled model scores these well clear of its thresholds (spam ~0.73, discard ~0.92):
# ham ~0.02, spam ~0.83 (held, not discarded), blatant ~0.99 (above the discard threshold).
HAM = (
    "I read the whole article and I think the minister is wrong about the rail budget, "
    "the north has waited long enough."
)
# Spam, but below the discard threshold (BLATANT is above it).
SPAM = "Anyone here heard of Mr. Hamid's trading platform? My brother swears by it"
BLATANT = (
    "Google pays $99 per hour! I just got paid $9800 this month working from home. "
    "Start today, it is easy: copy this site >>>> www.paycash-online.com"
)
SUBMITTED_SPAM = "Google is paying $185 an hour from home, visit easy-home-dollars.net to start"
SUBMITTED_HAM = "Does anyone know when the new bridge over the river opens?"

# Two backends would double four server starts for no new coverage of the wire format,
# which the store tests and test_service_akismet.py already run on both.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class LoopbackTransport(httpx.BaseTransport):
    """Re-aims every request (``https://rest.akismet.com/...``) at the live server.

    The client builds its URLs from a hard-coded Akismet host; rewriting them in the
    transport leaves the client's own code, headers and body encoding untouched.
    """

    def __init__(self, server_url: str) -> None:
        self.target = httpx.URL(server_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self.target.scheme, host=self.target.host, port=self.target.port
        )
        request.headers["Host"] = self.target.netloc.decode("ascii")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def python_client(server_url: str, key: str, site: str = SITE) -> akismet.SyncClient:
    """The ``akismet`` package's client for ``key``, talking to ``server_url``."""
    http_client = httpx.Client(transport=LoopbackTransport(server_url), timeout=10)
    return akismet.SyncClient(config=akismet.Config(key=key, url=site), http_client=http_client)


@pytest.fixture
def live(serve) -> str:
    """The URL of a running ``winnow serve`` on the test's store."""
    return serve().url


@pytest.fixture
def akismet_client(live: str, site_key: str) -> Iterator[akismet.SyncClient]:
    """The ``akismet`` package's client with the site's own key."""
    with python_client(live, site_key) as client:  # entering verifies the key, as apps do
        yield client


def check(client: akismet.SyncClient, text: str, **fields: str) -> akismet.CheckResponse:
    """A comment-check with the fields a comment form sends."""
    fields = {"comment_author": "Reader", **fields}
    return client.comment_check(
        user_ip=USER_IP, comment_content=text, comment_type="comment", **fields
    )


def feedback_rows(store: Store) -> list[tuple[str, str, str, str | None]]:
    """What the store kept of each submission, in order."""
    records: list[FeedbackRecord] = store.feedback()
    return [(r.text, r.label, r.api, r.user_ip) for r in records]


# The Python client -----------------------------------------------------------------


def test_python_client_verify_key(akismet_client, live, site_key):
    wrong_key = python_client(live, WRONG_KEY)
    wrong_site = python_client(live, site_key, site="https://elsewhere.example.org")
    assert akismet_client.verify_key() is True
    assert wrong_key.verify_key() is False
    assert wrong_site.verify_key() is False
    with pytest.raises(akismet.APIKeyError):
        check(wrong_key, HAM)


def test_python_client_comment_check_verdicts(akismet_client):
    assert check(akismet_client, HAM) == akismet.CheckResponse.HAM
    assert check(akismet_client, SPAM) == akismet.CheckResponse.SPAM
    assert check(akismet_client, BLATANT) == akismet.CheckResponse.DISCARD
    guaranteed = check(akismet_client, HAM, comment_author="akismet-guaranteed-spam")
    assert guaranteed == akismet.CheckResponse.SPAM


def test_python_client_submissions_are_stored(akismet_client, store):
    submit = {"user_ip": USER_IP, "comment_type": "comment"}
    assert akismet_client.submit_spam(comment_content=SUBMITTED_SPAM, **submit) is True
    assert akismet_client.submit_ham(comment_content=SUBMITTED_HAM, **submit) is True
    assert akismet_client.submit_spam(comment_content="probe", is_test=True, **submit) is True
    assert feedback_rows(store) == [
        (SUBMITTED_SPAM, "spam", "akismet", USER_IP),
        (SUBMITTED_HAM, "ham", "akismet", USER_IP),
    ]


# The npm client --------------------------------------------------------------------


@pytest.fixture
def node() -> str:
    """The node binary; skips (fails on CI) when node or the npm packages are missing."""
    node = shutil.which("node")
    if node is None:
        missing = "node is not installed"
    elif not (NPM_DIR / "node_modules" / "akismet-api").is_dir():
        missing = f"npm packages not installed: run `npm ci --prefix {NPM_DIR.relative_to(ROOT)}`"
    else:
        return node
    if os.environ.get("CI"):
        pytest.fail(missing)
    pytest.skip(missing)


def run_npm_client(node: str, server_url: str, key: str) -> dict:
    """Run tests/npm/check.js against the server and return its JSON report."""
    host = f"localhost:{httpx.URL(server_url).port}"
    texts = {"ham": HAM, "spam": SPAM, "submitSpam": SUBMITTED_SPAM, "submitHam": SUBMITTED_HAM}
    result = subprocess.run(
        [node, "-r", str(NPM_DIR / "loopback-dns.js"), str(NPM_DIR / "check.js"), host, key, SITE],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_npm_client_against_the_live_server(node, live, site_key, store):
    report = run_npm_client(node, live, site_key)
    assert report["verifyKey"] == {"value": True}
    assert report["verifyWrongKey"] == {"value": False}
    assert report["checkWrongKey"] == {"error": "Invalid API key"}
    assert report["ham"] == {"value": False}
    assert report["spam"] == {"value": True}
    assert report["guaranteedSpam"] == {"value": True}
    assert report["submitSpam"] == report["submitHam"] == {"status": 200, "text": THANKS}
    assert [(text, label) for text, label, *_ in feedback_rows(store)] == [
        (SUBMITTED_SPAM, "spam"),
        (SUBMITTED_HAM, "ham"),
    ]
