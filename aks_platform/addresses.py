"""The stacks' choice of Terraform addresses, from one table (data/terraform-addresses.toml).

Constructs leave logical ids to cdktf, which makes them unique per construct path; a stack then
pins the names its state already uses (main.tf's). A resource inside a construct that no entry
matches is an error when the stack is built, not a silently renamed resource at the next plan.
The stacks ask the table as cdktf allocates each id (TerraformStack.allocateLogicalId), so
references between resources use the pinned names as well.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Literal

from cdktf import TerraformElement, TerraformStack

from aks_platform.naming import snake_case
from aks_platform.paths import DATA
from constructs import Construct, Node

ADDRESSES_FILE = DATA / "terraform-addresses.toml"
TRANSFORMS = {
    "as written": lambda value: value,
    "snake": snake_case,
    "underscore": lambda value: value.replace("-", "_"),
}


class UnpinnedResourceError(LookupError):
    """A resource in a construct has no entry in data/terraform-addresses.toml."""


@dataclass(frozen=True)
class Pin:
    path: re.Pattern[str]
    name: str
    transform: str = "as written"

    def name_for(self, path: str) -> str | None:
        found = self.path.fullmatch(path)
        if found is None:
            return None
        transform = TRANSFORMS[self.transform]
        return self.name.format(**{key: transform(value) for key, value in found.groupdict().items()})


@cache
def load_pins(table: Literal["cluster", "workloads"]) -> tuple[Pin, ...]:
    document = tomllib.loads(ADDRESSES_FILE.read_text(encoding="utf-8"))
    return tuple(
        Pin(re.compile(entry["path"]), entry["name"], entry.get("transform", "as written"))
        for entry in document[table]
    )


class AddressBook:
    """The pins of one stack; the stack asks it for each element's logical id as cdktf allocates it.

    A stack overrides TerraformStack's allocateLogicalId (cdktf's documented way to change the
    addressing scheme) and asks `name_for` first. Allocation happens when something first refers
    to an element, so the pinned name is in every reference too."""

    def __init__(self, table: Literal["cluster", "workloads"]) -> None:
        self.pins = load_pins(table)
        self.pinned: dict[str, str] = {}
        self.unpinned: list[str] = []

    def name_for(self, element: TerraformElement | Node) -> str | None:
        """The pinned name of an element inside a construct; None for the stack's own elements
        (providers, variables, outputs, backends), which keep cdktf's ids."""
        path = element.node.path if isinstance(element, TerraformElement) else element.path
        relative = path.split("/", 1)[1] if "/" in path else ""
        if "/" not in relative:
            return None
        for pin in self.pins:
            name = pin.name_for(relative)
            if name is not None:
                self.pinned[relative] = name
                return name
        self.unpinned.append(relative)
        return None

    def check(self, stack: TerraformStack) -> None:
        """Allocate every element's id now and fail on any that no entry matched."""
        for element in stack.node.find_all():
            if isinstance(element, TerraformElement) and element is not stack:
                _ = element.friendly_unique_id
        if self.unpinned:
            paths = ", ".join(sorted(set(self.unpinned)))
            raise UnpinnedResourceError(
                f"{stack.node.id}: no Terraform name for {paths}: add it to data/terraform-addresses.toml"
            )


class PinnedStack(TerraformStack):
    """A stack whose constructs' resources get their names from one table of
    data/terraform-addresses.toml; `pin_check()` at the end of the stack's constructor fails on
    any resource the table does not name."""

    def __init__(self, scope: Construct, id: str, table: Literal["cluster", "workloads"]) -> None:
        super().__init__(scope, id)
        self.addresses = AddressBook(table)

    def _allocate_logical_id(self, tf_element: TerraformElement | Node) -> str:
        """The pinned name, else cdktf's own (for the stack's own providers, variables, outputs)."""
        book: AddressBook | None = getattr(self, "addresses", None)
        pinned = book.name_for(tf_element) if book is not None else None
        return pinned or super()._allocate_logical_id(tf_element)

    def pin_check(self) -> None:
        self.addresses.check(self)
