"""What the API server checks on a custom resource beyond its JSON schema, in the order it does.

1. Structural defaulting (k8s.io/apiextensions-apiserver pkg/apiserver/schema/defaulting
   algorithm.go): at each object node, every absent property whose schema has a `default` gets a
   copy of it (a null where the schema is not nullable counts as absent), then the walk goes down,
   so defaults inside defaults apply too.
2. List types (pkg/apiserver/schema/listtype/validation.go): `x-kubernetes-list-type: set` items
   are unique; `map` items are unique by their `x-kubernetes-list-map-keys`.
3. CEL rules (`x-kubernetes-validations`, pkg/apiserver/schema/cel/validation.go): at every node
   the object has, each rule with `self` bound there; `messageExpression`, then `message`, then
   "failed rule: <rule>" for the error, at the node's path plus `fieldPath`. Transition rules (they
   name `oldSelf`) run only on update and are counted as skipped; nothing else is skipped.

The root's metadata is the API server's ObjectMeta, not the CRD's: rules see only its name and
generateName, and nothing below it is walked.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import kube_cel

Schema = dict[str, Any]

REASONS = {
    None: "Invalid value",
    "FieldValueInvalid": "Invalid value",
    "FieldValueForbidden": "Forbidden",
    "FieldValueRequired": "Required value",
    "FieldValueDuplicate": "Duplicate value",
}


@dataclass
class Checked:
    """Errors in the API server's style, and what was evaluated (tests assert on both)."""

    errors: list[str] = field(default_factory=list)
    evaluated: int = 0
    transition_skipped: list[str] = field(default_factory=list)


def child_schema(schema: Schema, key: str) -> Schema | None:
    properties = schema.get("properties") or {}
    if key in properties:
        return properties[key]
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


def apply_defaults(value: Any, schema: Schema) -> None:
    """Fill in defaults in place, as the API server does before it validates."""
    if isinstance(value, dict):
        for key, prop in (schema.get("properties") or {}).items():
            if "default" in prop and (key not in value or (value[key] is None and not prop.get("nullable"))):
                value[key] = copy.deepcopy(prop["default"])
        for key, item in value.items():
            sub = child_schema(schema, key)
            if sub is not None:
                apply_defaults(item, sub)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(item, schema["items"])


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def list_errors(value: list[Any], schema: Schema, path: str) -> list[str]:
    kind = schema.get("x-kubernetes-list-type")
    if kind not in ("set", "map"):
        return []
    keys = schema.get("x-kubernetes-list-map-keys") or []
    seen: set[str] = set()
    problems = []
    for index, item in enumerate(value):
        if kind == "map" and not isinstance(item, dict):
            if item is not None:
                problems.append(
                    f"{path}[{index}]: Invalid value: must be an object for an array of list-type map"
                )
            continue
        key = _shown({name: item.get(name) for name in keys} if kind == "map" else item)
        if key in seen:
            problems.append(f"{path}[{index}]: Duplicate value: {key}")
        seen.add(key)
    return problems


def rule_errors(value: Any, schema: Schema, path: str, checked: Checked, root: bool) -> None:
    rules = schema.get("x-kubernetes-validations") or []
    if not rules:
        return
    bound = value
    if root and isinstance(value, dict):
        metadata = value.get("metadata") or {}
        bound = {key: item for key, item in value.items() if key != "metadata"}
        bound["metadata"] = {key: metadata[key] for key in ("name", "generateName") if key in metadata}
    activation = kube_cel.activation(kube_cel.cel_value(bound, schema, path or "<root>"))
    for rule in rules:
        if kube_cel.compiled(rule["rule"]) is None:
            if rule.get("optionalOldSelf"):
                raise kube_cel.RuleError(f"{path}: optionalOldSelf rules run on create too: {rule['rule']!r}")
            checked.transition_skipped.append(f"{path}: {rule['rule']}")
            continue
        checked.evaluated += 1
        passed, why = kube_cel.evaluate(rule["rule"], activation)
        if passed:
            continue
        custom = (
            kube_cel.message_of(rule["messageExpression"], activation)
            if "messageExpression" in rule
            else None
        )
        message = why or custom or rule.get("message") or f"failed rule: {rule['rule']}"
        where = (path + rule.get("fieldPath", "")) or "<root>"
        checked.errors.append(f"{where}: {REASONS.get(rule.get('reason'), 'Invalid value')}: {message}")


def walk(value: Any, schema: Schema, path: str, checked: Checked, root: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, list):
        checked.errors.extend(list_errors(value, schema, path))
    rule_errors(value, schema, path, checked, root)
    if isinstance(value, dict):
        for key, item in value.items():
            sub = child_schema(schema, key)
            if sub is not None and not (root and key == "metadata"):
                walk(item, sub, f"{path}.{key}" if path else key, checked)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            walk(item, schema["items"], f"{path}[{index}]", checked)


def check(manifest: dict[str, Any], schema: Schema) -> tuple[dict[str, Any], Checked]:
    """The object as the API server stores it (defaults applied), and what its rules say of it."""
    defaulted = copy.deepcopy(manifest)
    metadata = defaulted.pop("metadata", None)
    apply_defaults(defaulted, schema)
    if metadata is not None:
        defaulted["metadata"] = metadata
    checked = Checked()
    walk(defaulted, schema, "", checked, root=True)
    return defaulted, checked
