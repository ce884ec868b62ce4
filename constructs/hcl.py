"""Attribute shapes for cdktf's HCL synthesis (`cdktf synth --hcl`), for values of any type.

cdktf renders an attribute from `synthesizeHclAttributes`, typed by `type` and `storageClassType`.
Its renderer for untyped values guesses: a string that looks like an integer ("1") becomes a
number, one that starts with `[`, `{` or `"` is written as it is, and quotes, backslashes and line
breaks are not escaped. `hcl_any` writes such strings as JSON string literals (which cdktf passes
through unchanged, and which are valid HCL strings), so the HCL says what the JSON says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

INTEGER_LIKE = re.compile(r"^-?[0-9]+$")


def _protect(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _protect(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_protect(item) for item in value]
    if isinstance(value, str) and (
        INTEGER_LIKE.match(value) or value[:1] in ("[", "{", '"') or any(c in value for c in '"\\\n\r\t')
    ):
        return json.dumps(value)
    return value


def hcl_any(value: Any) -> dict[str, Any]:
    """An attribute of any type (objects, lists, strings, numbers) rendered as an HCL expression."""
    return {"value": _protect(value), "isBlock": False, "type": "any", "storageClassType": "any"}


def hcl_string(value: str) -> dict[str, Any]:
    return {"value": value, "isBlock": False, "type": "simple", "storageClassType": "string"}
