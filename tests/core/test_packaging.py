"""Every package folder is listed in pyproject.toml, so wheels contain what editable installs see."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _expected_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = config["package-dir"]
    found: set[str] = set()
    for package, folder in mapping.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if any(part.startswith((".", "_")) or part in ("data", "static") for part in rel.parts):
                continue
            found.add(".".join([package, *rel.parts]) if rel.parts else package)
    return found


def test_every_package_is_listed() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    expected = _expected_packages()
    assert expected - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - expected == set(), "these listed packages have no folder"


def test_outer_folders_map_into_the_package() -> None:
    import sentinel_guard.env
    import sentinel_guard.integrations
    import sentinel_guard.train

    assert Path(sentinel_guard.env.__file__).parent == ROOT / "env"
    assert Path(sentinel_guard.train.__file__).parent == ROOT / "train"
    assert Path(sentinel_guard.integrations.__file__).parent == ROOT / "integrations"
