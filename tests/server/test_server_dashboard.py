"""The dashboard in a real headless Chromium (Debian's, driven by Playwright; no browser download).

Load the page, see the agents' key refused for review, log in with a reviewer key, submit a
dangerous call through the form, see it blocked in the verdict stream, see every argument of an
escalation (secrets redacted) and approve it with its button; the record names the reviewer.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from srv_helpers import API_KEY, REVIEWER, REVIEWER_KEY

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("SENTINEL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def page() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium not found at {CHROMIUM}: run scripts/install_chromium.sh")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            yield context.new_page()
        finally:
            browser.close()


def _escalation(base: str, record_id: str) -> dict[str, Any]:
    req = urllib.request.Request(f"{base}/v1/escalations/{record_id}",
                                 headers={"Authorization": f"Bearer {REVIEWER_KEY}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)  # type: ignore[no-any-return]


def submit(page: Any, tool: str, args: dict[str, Any]) -> None:
    page.fill("#try-tool", tool)
    page.fill("#try-args", json.dumps(args))
    page.click("#try-submit")


def test_a_reviewer_logs_in_sees_every_argument_redacted_and_approves(page: Any, uvicorn_server: Callable[..., Any],
                                                                      policy_file: Path, tmp_path: Path) -> None:
    server = uvicorn_server(policy=policy_file, api_key=API_KEY,
                            env={"SENTINEL_REVIEWER_KEYS": f"{REVIEWER}={REVIEWER_KEY}"})
    page.goto(server.base + "/")
    page.wait_for_selector("#status.err")
    assert "API key required" in page.text_content("#status-text")

    page.fill("#api-key", API_KEY)  # the agents' key may not review
    page.click("#key-form button")
    # a selector wait, not wait_for_function: polling a string predicate needs eval, which the
    # page's CSP (script-src 'self') refuses whenever the text is not there on the first check
    page.wait_for_selector("#status-text:has-text('reviewer key')")
    page.fill("#api-key", REVIEWER_KEY)
    page.click("#key-form button")
    page.wait_for_selector("#status.ok")

    submit(page, "shell", {"command": "rm -rf /"})
    page.wait_for_selector("#try-result[data-decision=block]")
    row = page.wait_for_selector("#stream tr[data-decision=block]")
    assert "rm -rf /" in row.text_content()
    assert "policy.deny-pattern" in row.text_content()

    secret = "sk_live_51HqLyjWDarjtT1zdp7dc"
    args = {"service": "payments", "env": "prod", "recipient": "FR7630006000011234567890189", "amount": 420,
            "notes": {"ticket": "OPS-7"}, "stripe_key": secret}
    submit(page, "deploy", args)
    page.wait_for_selector("#try-result[data-decision=escalate]")
    item = page.wait_for_selector("#escalations li")
    record_id = item.get_attribute("data-id")
    card = page.text_content(f"#escalations li[data-id='{record_id}']") or ""
    for key in args:
        assert key in card, key
    for shown in ("payments", "FR7630006000011234567890189", "420", "OPS-7", "[REDACTED]"):
        assert shown in card, shown
    assert secret not in card
    assert _escalation(server.base, record_id)["status"] == "pending"
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    # The list re-renders on every poll: click by selector (re-resolved on each try), not by handle.
    page.click(f"#escalations li[data-id='{record_id}'] button.approve")
    page.wait_for_selector("#escalations-empty", state="visible")
    answer = _escalation(server.base, record_id)
    assert answer["status"] == "approved" and answer["resolved_by"] == f"reviewer:{REVIEWER}"
    assert page.text_content("#stat-block") == "1" and page.text_content("#stat-escalate") == "1"
    shots = os.environ.get("SENTINEL_SCREENSHOT_DIR")
    if shots:
        shutil.copy(tmp_path / "dashboard.png", Path(shots) / "dashboard.png")


def test_untrusted_audit_text_is_shown_as_text_not_markup(page: Any, uvicorn_server: Callable[..., Any],
                                                         policy_file: Path) -> None:
    server = uvicorn_server(policy=policy_file)
    payload = '<img src=x onerror="document.body.dataset.pwned=1">'
    page.goto(server.base + "/")
    page.wait_for_selector("#status.ok")
    submit(page, "shell", {"command": f"rm -rf / {payload}"})
    row = page.wait_for_selector("#stream tr[data-decision=block]")
    assert payload in row.text_content()
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.query_selector("#stream img") is None
