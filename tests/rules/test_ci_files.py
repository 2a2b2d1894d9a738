"""Commands of a CI file an agent writes, as the shell rules see them: a table per CI dialect."""

from __future__ import annotations

import pytest

from sentinel_guard.rules.ci_files import ci_file_commands, ci_paths

GITHUB = """on: [push]
jobs:
  build:
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e .
      - name: deploy
        run: |
          echo start
          ./deploy.sh prod
      - run: "pytest -q"
"""
GITLAB = """test:
  before_script: [apt-get update, apt-get install -y make]
  script:
    - make test
    - ./upload.sh
"""
JENKINS = """pipeline { agent any
  stages { stage('b') { steps { sh 'make'
    sh "./deploy.sh" } } } }"""

# (args, commands)
TABLE = [
    ({"path": ".github/workflows/ci.yml", "content": GITHUB}, ["pip install -e .", "echo start\n./deploy.sh prod", "pytest -q"]),
    ({"file_path": "sub/.gitlab-ci.yml", "content": GITLAB},
     ["apt-get update", "apt-get install -y make", "make test", "./upload.sh"]),
    ({"path": "Jenkinsfile", "content": JENKINS}, ["make", "./deploy.sh"]),
    ({"path": ".pre-commit-config.yaml", "content": "repos:\n  - hooks:\n      - id: x\n        entry: ./check.sh\n"},
     ["./check.sh"]),
    ({"path": "docs/ci.md", "content": GITHUB}, []),  # not a CI file: its text is documentation
    ({"path": ".github/workflows/ci.yml"}, []),       # no content
]


@pytest.mark.parametrize(("args", "commands"), TABLE, ids=[str(a.get("path", a.get("file_path"))) for a, _ in TABLE])
def test_ci_file_commands(args: dict[str, object], commands: list[str]) -> None:
    assert ci_file_commands(args) == commands


def test_ci_paths_reads_only_path_keys() -> None:
    assert ci_paths({"path": ".github/workflows/x.yaml"}) == [".github/workflows/x.yaml"]
    assert ci_paths({"message": ".github/workflows/x.yaml", "path": "README.md"}) == []
