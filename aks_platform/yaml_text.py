"""Reading YAML for the app and its tests: one safe loader, libyaml's where PyYAML has it.

libyaml's CSafeLoader builds the same Python objects as the pure-Python SafeLoader, about ten
times faster; the suite parses the upstream CRDs and every synthesized values document, where the
pure-Python loader took most of the in-process test time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """One YAML document as plain Python data (safe tags only)."""
    return yaml.load(text, Loader=LOADER)


def load_all(text: str) -> Iterator[Any]:
    """Every document of a YAML stream, in order."""
    return yaml.load_all(text, Loader=LOADER)
