"""Fixtures for the oversight-service tests: an in-process client and real uvicorn processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from fastapi.testclient import TestClient
from pg_helpers import pg_url, postgres_server  # noqa: F401 - fixtures of the PostgreSQL tests
from srv_helpers import LOOPBACK, POLICY, UvicornProcess

from sentinel_guard.server import create_app


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.fixture
def make_client(tmp_path: Path, policy_file: Path) -> Iterator[Callable[..., TestClient]]:
    """Build an app (explicit settings, never the environment's) and enter a TestClient on it."""
    clients: list[TestClient] = []

    def make(**kw: Any) -> TestClient:
        kw.setdefault("audit", tmp_path / "audit.db")
        kw.setdefault("api_key", None)
        kw.setdefault("cors_origins", None)
        kw.setdefault("max_body_bytes", 1 << 20)
        if kw.get("guard") is None:
            kw.setdefault("policy", policy_file)
            kw.setdefault("overseer", "rules")
            kw.setdefault("embed", False)
        client = TestClient(create_app(**kw), base_url=LOOPBACK)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def uvicorn_server(tmp_path: Path) -> Iterator[Callable[..., UvicornProcess]]:
    """Start real servers; every one started is stopped after the test."""
    started: list[UvicornProcess] = []

    def start(**kw: Any) -> UvicornProcess:
        kw.setdefault("audit", tmp_path / "audit.db")
        server = UvicornProcess(**kw).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
