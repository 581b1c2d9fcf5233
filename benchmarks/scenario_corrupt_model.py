"""Scenario: a damaged model version is promoted while the service answers.

The service (2 workers, SQLite, ``WINNOW_RELOAD_INTERVAL=0.5``) serves a copy of
``models/``. A client sends checks back to back and polls ``/readyz`` and
``GET /v1/model``. Meanwhile a new version is made the way a retrain would leave
it (a copy of the current version folder under a new version name, its
metadata naming it), one byte of its ``model.joblib`` is flipped, and
``registry.promote`` points ``models/current`` at it.

PASS needs: every check answered 200 by the previous version, ``/v1/model``
still reporting it, ``/readyz`` 200 throughout, and each worker logging that it
refused the damaged version.

    .venv/bin/python benchmarks/scenario_corrupt_model.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from scenario_tools import (
    MODELS,
    Client,
    Service,
    Step,
    Tally,
    describe,
    finish,
    running,
    sample_text,
    service_env,
)
from winnow.registry import ARTIFACT_FILE, METADATA_FILE, current_version, new_version, promote

WATCH_S = 5.0  # traffic after the promotion: ten reload intervals


def copy_models(target: Path) -> str:
    """The promoted version of ``models/`` copied to ``target``; returns its name."""
    version = current_version(MODELS)
    target.mkdir()
    shutil.copytree(MODELS / version, target / version)
    promote(target, version)
    return version


def promote_damaged(models: Path, version: str) -> str:
    """A copy of ``version`` under a new name with one byte of its model flipped,
    promoted; returns the new name."""
    damaged = new_version(models)
    shutil.copytree(models / version, models / damaged)
    metadata = json.loads((models / damaged / METADATA_FILE).read_text())
    (models / damaged / METADATA_FILE).write_text(json.dumps({**metadata, "version": damaged}))
    artefact = models / damaged / ARTIFACT_FILE
    data = bytearray(artefact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artefact.write_bytes(bytes(data))
    promote(models, damaged)
    return damaged


def step(service: Service) -> Step:
    """A check, then every 10th time ``/readyz`` and ``GET /v1/model``; records the
    status and the model version of each answer."""

    def one(http: httpx.Client, n: int, tally: Tally) -> None:
        answer = http.post("/v1/check", json={"text": sample_text(n)}, headers=service.auth)
        version = answer.json().get("model_version") if answer.status_code == 200 else ""
        tally.add("check", f"{answer.status_code} {version}", answer.text)
        if n % 10 == 0:
            ready = http.get("/readyz")
            tally.add("readyz", str(ready.status_code), ready.text)
            model = http.get("/v1/model", headers=service.auth)
            version = model.json().get("version") if model.status_code == 200 else ""
            tally.add("model", f"{model.status_code} {version}", model.text)

    return one


def judge(tally: Tally, old: str, refusals: int) -> list[str]:
    """Prints the counts; returns what fails the scenario."""
    print(f"answers: {tally.show()}")
    print(f"workers that logged refusing the damaged version: {refusals} of 2")
    allowed = {f"check 200 {old}", f"model 200 {old}", "readyz 200"}
    failures = [f"{n} x {name}" for name, n in tally.counts.items() if name not in allowed]
    failures += [] if tally.count("check", f"200 {old}") else ["no check answered"]
    return failures + ([] if refusals == 2 else [f"{refusals} of 2 workers logged the refusal"])


def main() -> None:
    print(f"host: {describe()}")
    with tempfile.TemporaryDirectory(prefix="winnow-corrupt-") as tmp:
        models = Path(tmp) / "models"
        old = copy_models(models)
        env = service_env(f"sqlite:///{tmp}/winnow.db", models, reload_interval="0.5")
        print(f"scenario: damaged model promoted under load, 2 workers, serving {old}")
        with running(env, Path(tmp)) as service:
            client = Client(service.url, step(service)).start()
            time.sleep(2)
            damaged = promote_damaged(models, old)
            print(f"promoted {damaged}: a copy of {old} with one byte of {ARTIFACT_FILE} flipped")
            time.sleep(WATCH_S)
            tally = client.stop()
            log = service.log.read_text(errors="replace")
        refusals = sum(f"model {damaged} refused" in line for line in log.splitlines())
        print(f"models/current names {current_version(models)}")
    finish(judge(tally, old, refusals))


if __name__ == "__main__":
    main()
