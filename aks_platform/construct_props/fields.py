"""Copying a settings model into a construct's props by field name, failing on any field left over.

A settings model (pydantic) and the props of a construct (a frozen dataclass) often say the same
thing: `NodePoolSettings` and `NodePoolProps` share most of their fields. A `FieldMap` names the
pair and the fields that do not copy as they are:

- `computed`: props fields the mapping gives itself (a derived value, a nested model, a reference
  to another construct), whether or not the settings have a field of that name;
- `settings_only`: settings fields no props field takes (such as an `enabled` switch that decides
  whether the construct exists at all).

Every other props field must have a settings field of the same name, and every other settings
field a props field: a field added to one side only is an error the first time the map is used
(and in tests/test_construct_props.py), never a value silently left at a default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

Props = TypeVar("Props")


class FieldMismatchError(TypeError):
    """A settings model and its props disagree on their fields, or a mapping omits a computed one."""


def _copy(value: object) -> object:
    """A value as props hold it: mappings become dicts of their own; a nested settings model
    cannot be copied by name and must be a computed field."""
    if isinstance(value, BaseModel):
        raise FieldMismatchError(f"{type(value).__name__} is a nested model: map it as a computed field")
    if isinstance(value, Mapping):
        return dict(value)
    return value


@dataclass(frozen=True)
class FieldMap(Generic[Props]):
    """How one settings model's fields become one props dataclass's (see the module docstring)."""

    settings: type[BaseModel]
    "The settings model (pydantic)."
    props: type[Props]
    "The construct's props (a dataclass)."
    computed: frozenset[str] = frozenset()
    "Props fields the mapping passes to build() itself, whether or not a settings field has the name."
    settings_only: frozenset[str] = frozenset()
    "Settings fields no props field of this pair takes."

    @property
    def copied(self) -> frozenset[str]:
        """Fields copied by name: in both, and not computed."""
        return (self.settings_fields() & self.props_fields()) - self.computed

    def settings_fields(self) -> frozenset[str]:
        return frozenset(self.settings.model_fields)

    def props_fields(self) -> frozenset[str]:
        return frozenset(item.name for item in dataclasses.fields(self.props))  # type: ignore[arg-type]

    def problems(self) -> list[str]:
        settings, props = self.settings_fields(), self.props_fields()
        pair = f"{self.settings.__name__} -> {self.props.__name__}"
        found = []
        for name in sorted(props - settings - self.computed):
            found.append(
                f"{pair}: props field {name!r} has no settings field: add one or list it as computed"
            )
        for name in sorted(settings - props - self.settings_only):
            found.append(
                f"{pair}: settings field {name!r} reaches no props field: add one or list it as settings_only"
            )
        for name in sorted(self.computed - props):
            found.append(f"{pair}: computed field {name!r} is not a props field")
        for name in sorted(self.settings_only - settings):
            found.append(f"{pair}: settings_only field {name!r} is not a settings field")
        for name in sorted(self.settings_only & props):
            found.append(f"{pair}: settings_only field {name!r} is a props field too: copy it or compute it")
        return found

    def check(self) -> None:
        """Fail on any field that neither copies by name nor is listed."""
        found = self.problems()
        if found:
            raise FieldMismatchError("; ".join(found))

    def build(self, source: BaseModel, **computed: Any) -> Props:
        """The props from `source`: each copied field by name, each computed one from `computed`."""
        self.check()
        if not isinstance(source, self.settings):
            raise FieldMismatchError(f"expected {self.settings.__name__}, got {type(source).__name__}")
        if set(computed) != self.computed:
            missing, extra = sorted(self.computed - set(computed)), sorted(set(computed) - self.computed)
            raise FieldMismatchError(
                f"{self.props.__name__}: computed fields missing {missing}, not computed fields given {extra}"
            )
        copied = {name: _copy(getattr(source, name)) for name in sorted(self.copied)}
        return self.props(**copied, **computed)
