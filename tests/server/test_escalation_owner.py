"""An agent key may poll only the escalations it submitted (others answer 404, the same as a record
that does not exist); reviewers see all. Against a real `sentinel-guard serve` with a keys file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from srv_helpers import POLICY, ServeProcess

from sentinel_guard.errors import ConfigError
from sentinel_guard.server.keys import KeyRing

KEYS = {"builder": "agent-builder-key-0123456789", "deployer": "agent-deployer-key-0123456789",
        "alice": "reviewer-alice-key-0123456789"}


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    keys = tmp_path / "keys.txt"
    keys.write_text(f"agent builder {KEYS['builder']}\nagent deployer {KEYS['deployer']}\n"
                    f"reviewer alice {KEYS['alice']}\n", encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    proc = ServeProcess(tmp_path / "audit.db", "--keys-file", str(keys), "--policy", str(policy))
    try:
        yield proc.start()
    finally:
        proc.stop()


@pytest.mark.slow
def test_an_agent_key_polls_only_its_own_escalations(server: ServeProcess) -> None:
    with httpx.Client(base_url=server.base, timeout=60) as c:
        mine = c.post("/v1/oversee", json={"tool": "deploy", "args": {"to": "prod"}}, headers=auth("deployer")).json()
        live = c.post("/live/oversee", json={"action_description": "roll out v2 to prod", "proposed_tool": "deploy"},
                      headers=auth("deployer")).json()
        assert mine["decision"] == "escalate" and live["decision"] == "escalate"
        for rid in (mine["id"], live["id"]):
            own = c.get(f"/v1/escalations/{rid}", headers=auth("deployer"))
            assert own.status_code == 200 and own.json()["status"] == "pending", own.text
            assert own.json()["agent"] == "deployer"
            other = c.get(f"/v1/escalations/{rid}", params={"wait": 0.2}, headers=auth("builder"))
            assert other.status_code == 404, other.text
            assert "submitted with this agent key" in other.json()["detail"]
            assert c.get(f"/v1/escalations/{rid}", headers=auth("alice")).status_code == 200
        absent = c.get("/v1/escalations/999999", headers=auth("builder"))
        assert absent.status_code == 404 and absent.json()["detail"] == other.json()["detail"].replace(
            str(live["id"]), "999999")  # a foreign escalation reads exactly like a missing one
        assert c.post(f"/v1/escalations/{mine['id']}", json={"decision": "approve"},
                      headers=auth("deployer")).status_code == 403  # agents never answer, even their own
        done = c.post(f"/v1/escalations/{mine['id']}", json={"decision": "approve"}, headers=auth("alice"))
        assert done.status_code == 200 and done.json()["resolved_by"] == "reviewer:alice"
        seen = c.get(f"/v1/escalations/{mine['id']}", headers=auth("deployer")).json()
        assert seen["status"] == "approved"


def test_two_keys_of_one_role_may_not_share_a_name() -> None:
    with pytest.raises(ConfigError, match="named 'builder'"):
        KeyRing([("agent", "builder", KEYS["builder"]), ("agent", "builder", KEYS["deployer"])])


def test_an_audit_file_from_before_agent_names_gains_the_column_and_its_rows_belong_to_nobody(tmp_path: Path) -> None:
    import sqlite3

    from sentinel_guard.audit import SQLiteAuditStore
    from sentinel_guard.types import ToolCall, Verdict

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE verdicts (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, call_id TEXT, "
                "session TEXT, tool TEXT NOT NULL, args TEXT NOT NULL, context TEXT, decision TEXT NOT NULL, "
                "severity TEXT NOT NULL, justification TEXT NOT NULL, rules TEXT NOT NULL, decided_by TEXT NOT NULL, "
                "confidence REAL, latency_ms REAL, shield TEXT NOT NULL, status TEXT, resolved_by TEXT, "
                "resolved_at REAL, resolution_note TEXT)")
    old.execute("INSERT INTO verdicts (ts, tool, args, decision, severity, justification, rules, decided_by, shield, "
                "status) VALUES (1, 'deploy', '{}', 'escalate', 'medium', 'x', '[]', 'policy', '[]', 'pending')")
    old.commit()
    old.close()
    store = SQLiteAuditStore(path)
    [new] = store.append_many([(ToolCall(tool="deploy"), Verdict.escalate("y"))], ["builder"])
    assert store.get(1)["agent"] is None and store.get(new)["agent"] == "builder"  # type: ignore[index]
    store.close()
