"""Service fixtures: a store on SQLite or PostgreSQL, a site key, an in-process client,
and a real ``winnow serve`` process."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import ROOT, WINNOW
from pg import PostgresServer, free_port, postgres_bin, throwaway_postgres
from winnow.keys import issue_key
from winnow.settings import Settings
from winnow.store import Store, open_store
from winnow_service.app import create_app

SITE = "https://news.example.com"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | str]:
    """A PostgreSQL server for the session (or the one WINNOW_TEST_POSTGRES_URL names)."""
    if os.environ.get("WINNOW_TEST_POSTGRES_URL"):
        yield os.environ["WINNOW_TEST_POSTGRES_URL"]
        return
    if postgres_bin("initdb") is None:
        reason = "PostgreSQL server binaries not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """Every store test runs on both backends; PostgreSQL gets a fresh database per test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'winnow.db'}"
    server = request.getfixturevalue("postgres")
    if isinstance(server, str):
        return server
    return server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    yield store
    store.close()


@pytest.fixture
def site_key(store: Store) -> str:
    key, _ = issue_key(store, SITE)
    return key


@pytest.fixture
def service_settings(trained_models_dir: Path, database_url: str) -> Settings:
    return Settings(
        models_dir=trained_models_dir,
        database_url=database_url,
        check_log="full",
        reload_interval=0.2,
        freeze_heap=False,  # one process starts many apps here; the lifecycle test freezes
        _env_file=None,
    )


@pytest.fixture
def client(service_settings: Settings, site_key: str) -> Iterator[TestClient]:
    with TestClient(create_app(service_settings)) as test_client:
        yield test_client


@pytest.fixture
def auth(site_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site_key}"}


class LiveServer:
    """``winnow serve`` in a child process on a free loopback port."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> LiveServer:
        command = [str(WINNOW), "serve", "--port", str(self.port), "--workers", str(self.workers)]
        # A pipe nobody reads would fill up and stall the server: log to a file instead.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole server (the uvicorn supervisor and its workers)."""
        if self.process and self.process.poll() is None:
            subprocess.run(["pkill", "-KILL", "-P", str(self.process.pid)], check=False)
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def serve(trained_models_dir: Path, database_url: str) -> Iterator:
    """Start real servers: ``serve(models_dir=..., workers=...)``; all stopped after the test."""
    servers: list[LiveServer] = []

    def start(models_dir: Path = trained_models_dir, workers: int = 1, **env: str) -> LiveServer:
        base = {k: v for k, v in os.environ.items() if not k.startswith("WINNOW_")}
        base |= {
            "WINNOW_MODELS_DIR": str(models_dir),
            "WINNOW_DATABASE_URL": database_url,
            "WINNOW_RELOAD_INTERVAL": "0.5",
            # Load-style tests measure the service, not its limits (test_service_limits).
            "WINNOW_IP_RATE_LIMIT": "0",
            "WINNOW_KEY_RATE_LIMIT": "0",
            **env,
        }
        servers.append(LiveServer(base, workers).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
