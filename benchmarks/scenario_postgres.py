"""Scenario: PostgreSQL stops for ~10 s under traffic, then starts again.

A throwaway PostgreSQL (Debian's binaries, ``tests/pg.py``) on loopback, the
service with 2 workers on it, and two clients sending back to back: checks
(native and Akismet, alternating) and feedback (each text distinct). After a few
seconds ``pg_ctl stop -m fast``, ``--outage`` seconds later ``pg_ctl start``.

PASS needs: every check answered 200 throughout; every feedback answered 201
(its id and text recorded) or 503 with a JSON ``detail``; every feedback
acknowledged with 201 in the database afterwards; feedback answered 201 again
after the restart.

    .venv/bin/python benchmarks/scenario_postgres.py [--outage 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg

from bench_service import ROOT, akismet_body
from scenario_tools import (
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

sys.path.insert(0, str(ROOT / "tests"))
from pg import PostgresServer, postgres_bin  # the throwaway PostgreSQL of the tests
from pg import throwaway_postgres as throwaway

BEFORE_S = 3.0
RECOVERY_S = 30.0


def check_step(service: Service) -> Step:
    """Native and Akismet checks, alternating; any answer but 200 is a failure."""

    def step(http: httpx.Client, n: int, tally: Tally) -> None:
        kind = "akismet" if n % 2 else "native"
        try:
            if n % 2:
                form = akismet_body(service.key, sample_text(n), n % 100)
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                answer = http.post("/1.1/comment-check", content=form, headers=headers)
            else:
                answer = http.post("/v1/check", json={"text": sample_text(n)}, headers=service.auth)
            tally.add(kind, str(answer.status_code), answer.text)
        except httpx.HTTPError as exc:
            tally.add(kind, type(exc).__name__)

    return step


class Feedback:
    """Feedback sent back to back; keeps the id and text of each 201 and when it came."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.acknowledged: dict[int, str] = {}
        self.last_ok = 0.0

    def step(self, http: httpx.Client, n: int, tally: Tally) -> None:
        body = {"text": sample_text(n), "label": "spam" if n % 2 else "ham"}
        try:
            answer = http.post("/v1/feedback", json=body, headers=self.service.auth)
        except httpx.HTTPError as exc:
            tally.add("feedback", type(exc).__name__)
            return
        status = str(answer.status_code)
        if answer.status_code == 201:
            self.acknowledged[answer.json()["id"]] = body["text"]
            self.last_ok = time.monotonic()
        elif answer.status_code == 503 and _detail(answer):
            status = "503 with detail"
        tally.add("feedback", status, answer.text)
        time.sleep(0.01)


def _detail(answer: httpx.Response) -> str | None:
    try:
        return answer.json().get("detail")
    except ValueError:
        return None


def outage(pg: PostgresServer, feedback: Feedback, seconds: float) -> float:
    """Stops PostgreSQL for ``seconds``, starts it again; returns how long after the
    restart began feedback was acknowledged again (inf if not within ``RECOVERY_S``)."""
    time.sleep(BEFORE_S)
    pg.stop("fast")
    print(f"  PostgreSQL stopped (pg_ctl stop -m fast); {seconds:g} s outage")
    time.sleep(seconds)
    started = time.monotonic()
    pg.start()
    print(f"  PostgreSQL started again ({time.monotonic() - started:.1f} s)")
    while time.monotonic() - started < RECOVERY_S:
        if feedback.last_ok > started:
            return feedback.last_ok - started
        time.sleep(0.1)
    return float("inf")


def stored(url: str) -> dict[int, str]:
    with psycopg.connect(url) as connection:
        return dict(connection.execute("SELECT id, text FROM feedback").fetchall())


def judge(
    checks: Tally, feedback: Tally, acknowledged: dict[int, str], in_store: dict[int, str]
) -> list[str]:
    """Prints the counts; returns what fails the scenario."""
    print(f"checks: {checks.show()}")
    print(f"feedback: {feedback.show()}")
    for name, body in {**checks.examples, **feedback.examples}.items():
        if not name.endswith((" 200", " 201")):
            print(f"  e.g. {name}: {body}")
    lost = set(acknowledged.items()) - set(in_store.items())
    print(
        f"acknowledged feedback: {len(acknowledged)}; in the store: {len(in_store)}; "
        f"acknowledged but missing: {len(lost)}"
    )
    bad_checks = sum(n for name, n in checks.counts.items() if not name.endswith(" 200"))
    unclear = sum(
        n
        for name, n in feedback.counts.items()
        if name not in ("feedback 201", "feedback 503 with detail")
    )
    failures = [f"{bad_checks} checks not answered 200"] if bad_checks else []
    failures += [f"{unclear} feedback answers neither 201 nor 503+detail"] if unclear else []
    return failures + ([f"{len(lost)} acknowledged feedback lost"] if lost else [])


@contextmanager
def throwaway_postgres() -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster on loopback (``tests/pg.py``), removed afterwards."""
    if postgres_bin("initdb") is None:
        finish(["PostgreSQL binaries not installed (apt-get install postgresql)"])
    with throwaway() as pg:
        yield pg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=10.0, help="seconds PostgreSQL is down")
    args = parser.parse_args()
    print(f"host: {describe()}")
    print(f"scenario: PostgreSQL outage of {args.outage:g} s, 2 workers, checks + feedback")
    with throwaway_postgres() as pg:
        url = pg.create_database("winnow")
        with running(service_env(url), pg.folder) as service:
            checks = Client(service.url, check_step(service)).start()
            feedback = Feedback(service)
            sender = Client(service.url, feedback.step).start()
            back_after = outage(pg, feedback, args.outage)
            time.sleep(2)
            tallies = checks.stop(), sender.stop()
        failures = judge(*tallies, feedback.acknowledged, stored(url))
    print(f"feedback acknowledged again {back_after:.1f} s after the restart began")
    finish(failures + ([] if back_after < RECOVERY_S else ["feedback never recovered"]))


if __name__ == "__main__":
    main()
