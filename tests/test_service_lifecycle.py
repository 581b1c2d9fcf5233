"""A real ``winnow serve``: feedback survives SIGKILL; a retrained model is swapped in live."""

from __future__ import annotations

import gc
import itertools
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import ROOT, WINNOW
from service_fixtures import SITE
from winnow_service.app import create_app
from winnow_service.reloads import settle_heap

THANKS = "Thanks for making the web a better place."


def submit_spam(url: str, key: str, numbers: range) -> list[str]:
    """One client submitting a share of the comments, as a CMS plugin would."""
    with httpx.Client(base_url=url, timeout=30) as http:
        return [
            http.post(
                "/1.1/submit-spam",
                data={
                    "api_key": key,
                    "blog": SITE,
                    "user_ip": "198.51.100.9",
                    "comment_content": f"Cheap followers, 10,000 for $5, order number {n}",
                },
            ).text
            for n in numbers
        ]


def test_acknowledged_feedback_survives_sigkill(serve, site_key, store):
    server = serve(workers=2)
    shares = [range(i, 1000, 8) for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            itertools.chain(*pool.map(lambda s: submit_spam(server.url, site_key, s), shares))
        )
    assert answers == [THANKS] * 1000
    server.kill()
    serve()
    texts = {f.text for f in store.feedback()}
    assert len(texts) == store.count_feedback() == 1000
    assert {f"Cheap followers, 10,000 for $5, order number {n}" for n in range(1000)} == texts


# A spam family the bundled corpus does not know: product placement dressed as
# ordinary reader chat, which the current model lets through.
OPENERS = [
    "Honestly",
    "For what it's worth",
    "Off topic but",
    "Agree with the article, and",
    "My neighbour mentioned that",
    "Not sure about the council, but",
]
CLAIMS = [
    "Brambleway joint tea sorted my knees",
    "the Brambleway tea tin changed my mornings",
    "Brambleway herbal blend fixed my sleep",
    "a cup of Brambleway cleared my head",
    "Brambleway leaves did more than my GP",
    "my gran lives on Brambleway tea now",
    "the Brambleway sampler was worth every penny",
    "Brambleway calmed my back pain",
]
CLOSERS = [
    "ask for it by name at the market.",
    "the code BRAMBLE20 still works.",
    "search Brambleway and thank me later.",
]


def unfamiliar_spam(model, count: int) -> list[str]:
    texts = [f"{o} {c}, {e}" for o, c, e in itertools.product(OPENERS, CLAIMS, CLOSERS)]
    missed = [
        t for t, p in zip(texts, model.predict_proba(texts), strict=True) if p < model.threshold
    ]
    assert len(missed) >= count, "the current model already catches this family"
    return missed[:count]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retrain_promotes_a_model_that_learnt_the_feedback_and_the_service_swaps_it(
    serve, models_copy, site_key, store, bundled_model, database_url, tmp_path
):
    comments = unfamiliar_spam(bundled_model, 50)
    server = serve(models_dir=models_copy)
    auth = {"Authorization": f"Bearer {site_key}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
        for text in comments:
            assert (
                http.post("/v1/feedback", json={"text": text, "label": "spam"}).status_code == 201
            )
        traffic = Traffic(server.url, auth).start()
        result = subprocess.run(
            [str(WINNOW), "retrain"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env={
                **os.environ,
                "WINNOW_MODELS_DIR": str(models_copy),
                "WINNOW_DATABASE_URL": database_url,
                "WINNOW_EXPORT_DIR": str(tmp_path),
            },
        )
        assert result.returncode == 0, result.stderr
        assert "promoted to current" in result.stderr
        new_version = (models_copy / "current").read_text().strip()
        assert new_version != bundled_model.version
        swapped_after = traffic.wait_for(new_version, timeout=10)
        traffic.stop()
        verdicts = http.post("/v1/check-batch", json={"comments": [{"text": t} for t in comments]})
    assert swapped_after <= 10
    assert traffic.failures == [] and traffic.count > 0
    assert [r["verdict"] for r in verdicts.json()["results"]].count("ham") == 0
    assert verdicts.json()["model_version"] == new_version


class Traffic:
    """Requests sent back to back through a model swap, recording any failure."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=url, headers=headers, timeout=30)
        self.failures: list[str] = []
        self.versions: list[tuple[float, str]] = []
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Traffic:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            answer = self.http.post("/v1/check", json={"text": "Is the bridge open yet?"})
            self.count += 1
            if answer.status_code != 200:
                self.failures.append(f"{answer.status_code} {answer.text[:200]}")
                continue
            self.versions.append((time.monotonic(), answer.json()["model_version"]))

    def wait_for(self, version: str, timeout: float) -> float:
        """Seconds from now until a request was answered by ``version``."""
        start = time.monotonic()
        while time.monotonic() - start < timeout + 1:
            if any(v == version for _, v in self.versions[-5:]):
                return time.monotonic() - start
            time.sleep(0.1)
        return float("inf")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self.http.close()


def scanned(thing: object) -> bool:
    """Whether the garbage collector's collections still look at ``thing``."""
    return any(tracked is thing for tracked in gc.get_objects())


@pytest.fixture
def unfrozen():
    """These tests freeze the test process's heap; thaw it again afterwards."""
    yield
    gc.unfreeze()


def test_settling_the_heap_takes_what_is_alive_out_of_collections(unfrozen):
    alive = [[1, 2], {"a": [3]}]
    assert scanned(alive)
    settle_heap()
    assert not scanned(alive)
    born_later = [alive]
    assert scanned(born_later)
    settle_heap(swapped=True)  # thaws first: what died meanwhile can be collected
    assert not scanned(born_later) and gc.get_freeze_count() > 0


def test_the_service_keeps_its_model_out_of_full_collections(service_settings, unfrozen):
    settings = service_settings.model_copy(update={"freeze_heap": True})
    with TestClient(create_app(settings)) as client:
        model = client.app.state.moderator.live.model
        assert model is not None and not scanned(model.pipeline)
    with TestClient(create_app(service_settings)) as client:  # freeze_heap off
        assert scanned(client.app.state.moderator.live.model.pipeline)
