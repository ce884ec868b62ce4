"""What every settings section shares: the frozen model base, how written tables merge over
defaults, and the validator factories that attach single-value rules to a field (Annotated types).

A value that breaks a field's rule is reported like every other settings problem (file, key,
value, what is allowed) by aks_platform.environments. The sections (aks_platform/settings/*.py)
hold their own fields' rules and their rules across values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr
from pydantic_core import PydanticCustomError


class Settings(BaseModel):
    """Base of every settings model: immutable, and unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# TOML has no null: an optional setting is unset by omitting it, or by writing "none" where its
# default is a value (see NetworkSettings).
UNSET = "none"


def unset_to_none(value: Any) -> Any:
    return None if value == UNSET else value

def merge_over(defaults: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    """The tables a user writes merge over the defaults, table by table; any other value replaces."""
    merged = dict(defaults)
    for key, value in written.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_over(merged[key], value)
        else:
            merged[key] = value
    return merged


def nested_model(annotation: Any) -> type[Settings] | None:
    """The settings model a field holds (directly, optional, in a tuple or a union), or None."""
    if isinstance(annotation, type) and issubclass(annotation, Settings):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = nested_model(argument)
        if found is not None:
            return found
    return None


RULE_ERROR = "settings_rule"


def refuse(message: str) -> PydanticCustomError:
    # The message goes in as context: braces in it are not read as placeholders of the template.
    return PydanticCustomError(RULE_ERROR, "{message}", {"message": message})


def matching(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise refuse(message)
        return value

    return AfterValidator(check)


def within(low: int, high: int | None, message: str) -> AfterValidator:
    def check(value: Any) -> Any:
        if value is not None and (value < low or (high is not None and value > high)):
            raise refuse(message)
        return value

    return AfterValidator(check)


def within_length(high: int, message: str) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > high:
            raise refuse(message)
        return value

    return AfterValidator(check)


def at_most(count: int, what: str) -> AfterValidator:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        if len(values) > count:
            raise refuse(f"at most {count} {what}")
        return values

    return AfterValidator(check)


def without_duplicates(what: str) -> AfterValidator:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise refuse(f"duplicate {what}: {', '.join(duplicates)}")
        return values

    return AfterValidator(check)


def distinct_from(allowed: Sequence[str], message: str) -> AfterValidator:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        if any(value not in allowed for value in values) or len(set(values)) != len(values):
            raise refuse(message)
        return values

    return AfterValidator(check)


Guid = Annotated[
    StrictStr,
    matching(
        r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", "use an Entra ID object or tenant id, a GUID"
    ),
]
