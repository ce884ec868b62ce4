"""The shape of a settings problem, shared by the rule modules (validation, currency)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Marks a problem that has no value to show (a missing key, an unreadable file).
NO_VALUE: Any = object()


@dataclass(frozen=True)
class Problem:
    """One thing to fix: where (key path), what was found, and what is allowed."""

    key: str
    value: Any
    message: str
