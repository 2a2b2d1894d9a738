"""Fixtures for the backend tests: the scripted chat-completions server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backend_fakes import ScriptedServer, serve_script


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    with serve_script() as server:
        yield server
