"""One field-documentation style for the settings models and the constructs' props: a string right
after the field (an attribute docstring, which pydantic reads with use_attribute_docstrings and
make schema prints). A comment above a field is kept for a group of fields only, so a field under
one has its own docstring; Sphinx's `#:` comments are not used."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

SOURCES = sorted([*(ROOT / "constructs").glob("*.py"), *(ROOT / "aks_platform").rglob("*.py")])


def documented_classes(tree: ast.Module) -> list[ast.ClassDef]:
    """Dataclasses and settings models (classes with annotated fields)."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and any(isinstance(stmt, ast.AnnAssign) for stmt in node.body)
    ]


def old_style_fields(path: Path) -> list[str]:
    """Fields documented by a comment above them instead of a docstring after them."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in documented_classes(ast.parse(source)):
        for index, stmt in enumerate(node.body):
            if not isinstance(stmt, ast.AnnAssign):
                continue
            following = node.body[index + 1] if index + 1 < len(node.body) else None
            has_docstring = isinstance(following, ast.Expr) and isinstance(
                getattr(following, "value", None), ast.Constant
            )
            above = lines[stmt.lineno - 2].strip() if stmt.lineno > 1 else ""
            if above.startswith("#:") or (above.startswith("#") and not has_docstring):
                found.append(f"{path.relative_to(ROOT)}:{stmt.lineno} {ast.unparse(stmt.target)}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_fields_are_documented_by_attribute_docstrings(path: Path) -> None:
    assert old_style_fields(path) == []


def test_the_check_finds_a_field_documented_by_a_comment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("test_field_docs.ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from dataclasses import dataclass\n\n@dataclass\nclass Props:\n"
        "    # The name.\n    name: str\n    #: The size.\n    size: int\n    \"Docstring.\"\n"
        "    # A group comment above a field with its own docstring.\n    zones: int = 0\n    \"Zones.\"\n"
    )
    assert old_style_fields(sample) == ["sample.py:6 name", "sample.py:8 size"]
