"""The seam from settings to props (aks_platform/construct_props/): fields copied by name, a field
added to one side only refused, and defaults that differ on purpose documented on the setting."""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

import pytest
from conftest import ROOT, environment_settings
from pydantic_core import PydanticUndefined

from aks_platform.construct_props import FIELD_MAPS, NODE_POOL, FieldMap, FieldMismatchError, node_pool_props
from aks_platform.settings import NodePoolSettings
from constructs.node_pool import NodePoolProps


@pytest.mark.parametrize("field_map", FIELD_MAPS, ids=lambda item: item.props.__name__)
def test_every_field_is_copied_or_listed(field_map: FieldMap[Any]) -> None:
    assert field_map.problems() == []
    props = field_map.props_fields()
    assert field_map.copied | field_map.computed == props
    assert field_map.copied | field_map.settings_only >= field_map.settings_fields() - field_map.computed


def test_a_settings_field_without_a_props_field_fails() -> None:
    class WiderPool(NodePoolSettings):
        spot: bool = False

    field_map = dataclasses.replace(NODE_POOL, settings=WiderPool)
    with pytest.raises(FieldMismatchError, match="settings field 'spot' reaches no props field"):
        field_map.check()


def test_a_props_field_without_a_settings_field_fails() -> None:
    @dataclasses.dataclass(frozen=True)
    class WiderProps(NodePoolProps):
        spot: bool = False

    field_map = dataclasses.replace(NODE_POOL, props=WiderProps)
    with pytest.raises(FieldMismatchError, match="props field 'spot' has no settings field"):
        field_map.check()


def test_stale_lists_fail() -> None:
    field_map = dataclasses.replace(NODE_POOL, computed=NODE_POOL.computed | {"gone"})
    with pytest.raises(FieldMismatchError, match="computed field 'gone' is not a props field"):
        field_map.check()
    field_map = dataclasses.replace(NODE_POOL, settings_only=frozenset({"name"}))
    with pytest.raises(FieldMismatchError, match="settings_only field 'name' is a props field too"):
        field_map.check()


def test_a_computed_field_must_be_given() -> None:
    pool = environment_settings("prod").system_pool
    with pytest.raises(FieldMismatchError, match=r"computed fields missing \['upgrade'\]"):
        NODE_POOL.build(pool, temporary_name_for_rotation="x")


def test_a_nested_model_is_never_copied_by_name() -> None:
    field_map = dataclasses.replace(NODE_POOL, computed=frozenset({"temporary_name_for_rotation"}))
    pool = environment_settings("prod").system_pool
    with pytest.raises(FieldMismatchError, match="UpgradeSettings is a nested model"):
        field_map.build(pool, temporary_name_for_rotation="x")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_pool_field_reaches_the_props(environment: str) -> None:
    """Each copied field holds the setting's value; the computed ones what the app derives."""
    settings = environment_settings(environment)
    for pool in (settings.system_pool, *settings.user_pools):
        props = node_pool_props(pool)
        for name in NODE_POOL.copied:
            expected = getattr(pool, name)
            assert getattr(props, name) == (dict(expected) if isinstance(expected, dict) else expected), name
        assert props.temporary_name_for_rotation == pool.rotation_name
        assert props.upgrade is not None
        assert dataclasses.asdict(props.upgrade) == pool.upgrade.model_dump()


def _props_default(item: dataclasses.Field[Any]) -> Any:
    if item.default is not dataclasses.MISSING:
        return item.default
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return PydanticUndefined


def _differing_defaults() -> list[tuple[str, str]]:
    found = []
    for field_map in FIELD_MAPS:
        props = {item.name: item for item in dataclasses.fields(field_map.props)}
        for name in sorted(field_map.copied):
            ours = field_map.settings.model_fields[name].get_default(call_default_factory=True)
            theirs = _props_default(props[name])
            if PydanticUndefined in (ours, theirs):
                continue  # required on one side: no default to differ from
            if (ours or None) != (theirs or None):
                found.append((field_map.settings.__name__, name))
    return found


def test_defaults_that_differ_on_purpose_say_so() -> None:
    """The app's choice against the constructs' (azurerm's) default: the setting's documentation
    (environments/schema.json, docs/settings.md) names azurerm's default."""
    differing = _differing_defaults()
    assert ("NodePoolSettings", "auto_scaling") in differing
    assert ("EntraIdRbacSettings", "azure_rbac_enabled") in differing
    models = {field_map.settings.__name__: field_map.settings for field_map in FIELD_MAPS}
    undocumented = [
        f"{model}.{name}"
        for model, name in differing
        if "azurerm's default" not in (models[model].model_fields[name].description or "")
    ]
    assert undocumented == []


STACKS = ("aks_platform/cluster_stack.py", "aks_platform/workloads_stack.py", "aks_platform/stacks.py")


def props_built_in(source: str) -> list[str]:
    """Calls of a class named *Props (a construct's props) in a module's source."""
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    names = [ast.unparse(call.func) for call in calls]
    return [name for name in names if name.split(".")[-1].endswith("Props")]


@pytest.mark.parametrize("path", STACKS)
def test_the_stacks_build_no_props(path: str) -> None:
    """The stacks compose constructs with props from aks_platform/construct_props/ only."""
    assert props_built_in((ROOT / path).read_text(encoding="utf-8")) == []


def test_the_check_finds_props_built_inline() -> None:
    found = props_built_in("X(self, 'x', constructs.x.XProps(a=1))\nNvidiaDraProps()")
    assert sorted(found) == ["NvidiaDraProps", "constructs.x.XProps"]
