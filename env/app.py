"""ASGI entry point for `uvicorn sentinel_guard.env.app:app` (and `openenv.yaml`)."""

from __future__ import annotations

from sentinel_guard.env.environment import create_app

app = create_app()
