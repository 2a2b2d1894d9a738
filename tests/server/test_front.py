"""The service's layers run in front of the framework: hot calls skip it, failures still fail closed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from srv_helpers import LOOPBACK

from sentinel_guard.server.front import INTERNAL_ERROR, ServiceApp
from sentinel_guard.server.security import Receive, Scope, Send

LIVE = {"action_description": "kubectl get pods -n payments", "proposed_tool": "kubectl"}


def _count_framework_requests(client: TestClient) -> list[str]:
    """Paths of the requests that reached the framework's own stack (its routes and handlers)."""
    app = client.app
    assert isinstance(app, ServiceApp)
    seen: list[str] = []
    inner = app.framework

    async def counting(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            seen.append(scope["path"])
        await inner(scope, receive, send)

    app.framework = counting  # type: ignore[method-assign]
    app.wrap(app.layers)
    return seen


def test_a_well_formed_hot_call_is_answered_before_the_framework(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    seen = _count_framework_requests(client)
    ok = client.post("/live/oversee", json=LIVE)
    assert ok.status_code == 200 and ok.json()["decision"] == "approve"
    assert seen == []
    bad = client.post("/live/oversee", json={"action_description": ""})  # the framework words the 422
    assert bad.status_code == 422 and seen == ["/live/oversee"]
    assert client.get("/health").status_code == 200 and seen[-1] == "/health"


def test_the_front_layers_still_check_access_before_anything(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key="agent-key-0123456789")
    seen = _count_framework_requests(client)
    assert client.post("/live/oversee", json=LIVE).status_code == 401
    ok = client.post("/live/oversee", json=LIVE, headers={"Authorization": "Bearer agent-key-0123456789"})
    assert ok.status_code == 200 and seen == []


def test_an_exception_in_a_front_layer_fails_closed(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    class Broken:
        def __init__(self, app: object) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            raise RuntimeError("a layer broke")

    client = make_client()
    app = client.app
    assert isinstance(app, ServiceApp)
    app.wrap([(Broken, {}), *app.layers])
    resp = TestClient(app, base_url=LOOPBACK, raise_server_exceptions=False).post("/live/oversee", json=LIVE)
    assert resp.status_code == 500 and resp.json() == INTERNAL_ERROR
