"""Checks on the repository's own files that no other test covers: what a bad merge leaves behind,
links between the README and docs/ that a move of a page would break, and import cycles that only
show when a module is the first one imported."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What git writes into a file whose merge it could not finish.
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7}) ", re.M)
MARKDOWN_LINK = re.compile(r"\]\(((?:docs/|\.\./|\./)?[A-Za-z0-9_./-]+\.md)(#[^)]*)?\)")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_holds_a_merge_conflict() -> None:
    conflicted = []
    for path in tracked_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if CONFLICT_MARKER.search(text):
            conflicted.append(str(path.relative_to(ROOT)))
    assert not conflicted, f"unresolved merge conflicts in: {', '.join(conflicted)}"


def test_the_conflict_check_sees_a_marker() -> None:
    assert CONFLICT_MARKER.search("text\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n")


def test_every_markdown_link_to_a_page_of_ours_resolves() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target, _anchor in MARKDOWN_LINK.findall(page.read_text(encoding="utf-8")):
            if not (page.parent / target).resolve().is_file():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, f"links to missing pages: {broken}"


# queues -> manifests -> endpoint -> queues: a module-level import in endpoint.py made
# `import aks_platform.queues` (the first import of tests/test_conformance.py run alone) fail.
@pytest.mark.parametrize("module", ["queues", "manifests", "endpoint", "kueue_values"])
def test_the_modules_of_the_manifest_cycle_import_first(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import aks_platform.{module}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
