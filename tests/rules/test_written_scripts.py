"""Code written into files that will run: the patch formats read, and which files' text counts as commands."""

from __future__ import annotations

import pytest

from sentinel_guard.rules.written_scripts import PatchedFile, patched_files, script_commands

V4A = """*** Begin Patch
*** Update File: src/app.py
@@ def main():
-    print('hi')
+    print('hello')
*** Add File: scripts/run.sh
+#!/bin/sh
+make test
*** Delete File: old.txt
*** Update File: a.py
*** Move to: b.py
*** End Patch"""
UNIFIED = """diff --git a/.bashrc b/.bashrc
--- a/.bashrc
+++ b/.bashrc
@@ -1,2 +1,3 @@
 alias ll='ls -la'
+export PATH=$HOME/bin:$PATH
--- /dev/null
+++ b/new.txt
@@ -0,0 +1 @@
+hello
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
"""


def test_v4a_patch_files() -> None:
    assert patched_files({"input": V4A}) == [
        PatchedFile("src/app.py", "update", "    print('hello')"), PatchedFile("scripts/run.sh", "add", "#!/bin/sh\nmake test"),
        PatchedFile("old.txt", "delete", ""), PatchedFile("a.py", "update", ""), PatchedFile("b.py", "move", "")]


def test_unified_diff_files() -> None:
    assert patched_files({"diff": UNIFIED}) == [
        PatchedFile(".bashrc", "update", "export PATH=$HOME/bin:$PATH"), PatchedFile("new.txt", "add", "hello"),
        PatchedFile("gone.txt", "delete", "")]


# (args, commands): only files whose text runs count
TABLE = [
    ({"path": "deploy.sh", "content": "#!/bin/bash\n./build"}, ["#!/bin/bash\n./build"]),
    ({"path": "/home/u/.zshrc", "text": "alias g=git"}, ["alias g=git"]),
    ({"path": "/etc/cron.d/backup", "content": "0 3 * * * root /usr/local/bin/backup"}, ["0 3 * * * root /usr/local/bin/backup"]),
    ({"path": "README.md", "content": "rm -rf / is dangerous"}, []),
    ({"path": "notes.sh.txt", "content": "rm -rf /"}, []),
    ({"input": V4A}, ["#!/bin/sh\nmake test"]),
    ({"diff": UNIFIED}, ["export PATH=$HOME/bin:$PATH"]),
]


@pytest.mark.parametrize(("args", "commands"), TABLE, ids=[str(i) for i in range(len(TABLE))])
def test_script_commands(args: dict[str, object], commands: list[str]) -> None:
    assert script_commands(args) == commands
