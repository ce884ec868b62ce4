"""Checks on the repository's own files that no other test covers: what a bad merge leaves behind,
and links between the README and docs/ that a move of a page would break."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

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
