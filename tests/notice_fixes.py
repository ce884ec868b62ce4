"""A notice's fix written into an environment's settings document, as a user would edit the file.

A fix (aks_platform.versions, aks_platform.endpoint) is a tuple of (dotted key, value) pairs; the tests
that check "each printed fix passes validation and clears its notice" apply it with `with_fix`.
"""

from __future__ import annotations

import copy
from typing import Any


def with_fix(document: dict[str, Any], fix: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """A copy of the document with each key of the fix set (its tables made where missing)."""
    changed = copy.deepcopy(document)
    for key, value in fix:
        *tables, name = key.split(".")
        target = changed
        for table in tables:
            target = target.setdefault(table, {})
        target[name] = value
    return changed
