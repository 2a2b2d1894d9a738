"""Every ```python and ```bash block of README.md runs as written (a newcomer copies them).

The blocks run in README order, each in a fresh process, in one scratch directory (files one
block writes, such as `policy.yaml`, are there for the next, as for a reader working down the
page). `examples/` is linked into that directory so paths written relative to a checkout work.
A block is skipped only when the line right before its fence is
`<!-- snippet: skip (reason) -->`; the reason is required.

Snippets get no network: a `sitecustomize` on `PYTHONPATH` refuses every non-loopback connect in
every Python process they start (the CLI included), and `HOME` is the scratch directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TIMEOUT_S = 120

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[A-Za-z0-9_+-]*)[ \t]*$")
_FENCE_CLOSE = re.compile(r"^[ \t]*```[ \t]*$")
_SKIP = re.compile(r"^\s*<!--\s*snippet:\s*skip\s*\((?P<reason>[^)]*\S[^)]*)\)\s*-->\s*$")
_RUN_LANGS = ("python", "bash")

_NO_NETWORK = '''
import socket
_real_connect = socket.socket.connect
def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if (self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(host, str)
            and not host.startswith(("127.", "::1", "localhost", "0.0.0.0"))):
        raise OSError(f"README snippets must not reach the network (tried {address!r})")
    return _real_connect(self, address)
socket.socket.connect = _loopback_only
'''


@dataclass(frozen=True)
class Snippet:
    """One fenced block of a markdown file."""

    line: int
    """1-based line of the opening fence."""
    lang: str
    code: str
    skip_reason: str | None
    heading: str


def extract_snippets(text: str) -> list[Snippet]:
    """Every fenced block with its language, the heading above it and its skip marker (if any)."""
    lines = text.splitlines()
    out: list[Snippet] = []
    heading = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        opened = _FENCE_OPEN.match(line)
        if not opened:
            i += 1
            continue
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and not _FENCE_CLOSE.match(lines[i]):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ValueError(f"README.md:{start + 1}: fence opened here is never closed")
        marker = _SKIP.match(lines[start - 1]) if start > 0 else None
        if start > 0 and marker is None and "snippet:" in lines[start - 1]:
            raise ValueError(f"README.md:{start}: malformed snippet marker (want <!-- snippet: skip (reason) -->)")
        out.append(Snippet(line=start + 1, lang=opened["lang"].lower(), code=textwrap.dedent("\n".join(body)) + "\n",
                           skip_reason=marker["reason"].strip() if marker else None, heading=heading))
        i += 1
    return out


def _run(snippet: Snippet, workdir: Path, site: Path) -> subprocess.CompletedProcess[str]:
    bindir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bindir}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "PYTHONPATH": str(site),
        "HF_HUB_OFFLINE": "1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "VIRTUAL_ENV": str(Path(bindir).parent),
        "LANG": "C.UTF-8",
        "COLUMNS": "200",
    }
    if snippet.lang == "python":
        script = workdir / f"snippet_L{snippet.line}.py"
        script.write_text(snippet.code, encoding="utf-8")
        cmd = [sys.executable, script.name]
    else:
        script = workdir / f"snippet_L{snippet.line}.sh"
        script.write_text(snippet.code, encoding="utf-8")
        cmd = ["bash", "-e", "-o", "pipefail", script.name]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                          stdin=subprocess.DEVNULL)


# ------------------------------------------------------------------------------------------ extractor
@pytest.mark.parametrize(("markdown", "expected"), [
    ("```python\nprint(1)\n```\n", [("python", "print(1)\n", None)]),
    ("```bash\necho hi\n```\n", [("bash", "echo hi\n", None)]),
    ("<!-- snippet: skip (needs a GPU) -->\n```bash\nnvidia-smi\n```\n", [("bash", "nvidia-smi\n", "needs a GPU")]),
    # a marker counts only on the line right before the fence
    ("<!-- snippet: skip (far away) -->\n\n```python\nx = 1\n```\n", [("python", "x = 1\n", None)]),
    ("```yaml\na: 1\n```\n```\nplain\n```\n", [("yaml", "a: 1\n", None), ("", "plain\n", None)]),
    ("- item\n\n  ```python\n  y = 2\n  ```\n", [("python", "y = 2\n", None)]),
    ("```Python\nz = 3\n```\n", [("python", "z = 3\n", None)]),
])
def test_extractor_finds_blocks_languages_and_skip_markers(markdown: str, expected: list[tuple[str, str, str | None]]
                                                           ) -> None:
    got = [(s.lang, s.code, s.skip_reason) for s in extract_snippets(markdown)]
    assert got == expected


@pytest.mark.parametrize(("markdown", "message"), [
    ("```python\nprint(1)\n", "never closed"),
    ("<!-- snippet: skip () -->\n```bash\nls\n```\n", "malformed snippet marker"),
    ("<!-- snippet: skipp (typo) -->\n```bash\nls\n```\n", "malformed snippet marker"),
])
def test_extractor_rejects_unclosed_fences_and_bad_markers(markdown: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        extract_snippets(markdown)


def test_runner_reports_a_failing_block_and_blocks_the_network(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_NO_NETWORK)
    bad = Snippet(line=3, lang="bash", code="false\necho unreachable\n", skip_reason=None, heading="h")
    done = _run(bad, tmp_path, site)
    assert done.returncode != 0 and "unreachable" not in done.stdout
    net = Snippet(line=9, lang="python", heading="h", skip_reason=None,
                  code="import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=2)\n")
    done = _run(net, tmp_path, site)
    assert done.returncode != 0 and "must not reach the network" in done.stderr


# ------------------------------------------------------------------------------------------ README
def test_readme_has_runnable_snippets_and_every_skip_has_a_reason() -> None:
    snippets = [s for s in extract_snippets(README.read_text(encoding="utf-8")) if s.lang in _RUN_LANGS]
    assert len([s for s in snippets if s.skip_reason is None]) >= 5, "README should keep runnable examples"
    assert all(s.skip_reason for s in snippets if s.skip_reason is not None)


@pytest.mark.slow
def test_every_readme_snippet_runs_as_written(tmp_path: Path) -> None:
    """All blocks run (in order, one scratch dir); every failure is reported, not only the first."""
    snippets = [s for s in extract_snippets(README.read_text(encoding="utf-8"))
                if s.lang in _RUN_LANGS and s.skip_reason is None]
    site = tmp_path / "_site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_NO_NETWORK)
    work = tmp_path / "work"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    failures: list[str] = []
    for snippet in snippets:
        try:
            done = _run(snippet, work, site)
        except subprocess.TimeoutExpired:
            failures.append(f"README.md:{snippet.line} ({snippet.heading}): {snippet.lang} block ran past {TIMEOUT_S}s")
            continue
        problems = []
        if done.returncode != 0:
            problems.append(f"exit {done.returncode}")
        if re.search(r"\b(Decision|Severity)\.[A-Z]+\b", done.stdout):
            problems.append("an enum printed as its repr instead of its value")
        if problems:
            tail = "\n    ".join((done.stderr or done.stdout).strip().splitlines()[-6:])
            failures.append(f"README.md:{snippet.line} ({snippet.heading}): {snippet.lang} block: "
                            f"{', '.join(problems)}\n    {tail}")
    assert not failures, f"{len(failures)} of {len(snippets)} README snippets fail:\n" + "\n".join(failures)
