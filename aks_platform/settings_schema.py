"""environments/schema.json: the settings model as a JSON Schema, for editors that read TOML with one.

Each environment file starts with `#:schema ./schema.json`, which Taplo (and the Even Better TOML
editor extension built on it) reads to complete and check keys. The schema is generated from
`EnvironmentSettings`, so it cannot drift: `make schema` writes it, and a test fails when the
file is out of date.

What the model accepts and plain JSON Schema would not say, adjusted here:
- TOML has no null. An optional key is unset by leaving it out, so `null` alternatives go; where
  a default is a value and "none" unsets it (the network profile), "none" is what is allowed.
- `[system_pool]` merges over the default pool, so none of its keys is required there.

    python -m aks_platform.settings_schema [--check]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from typing import Any

from aks_platform.paths import ENVIRONMENTS
from aks_platform.settings import UNSET, EnvironmentSettings, NetworkSettings

SCHEMA_FILE = ENVIRONMENTS / "schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The fields whose BeforeValidator turns "none" into unset.
UNSETTABLE = {NetworkSettings.__name__: ("plugin_mode", "data_plane", "policy")}


def _without_null(node: Any) -> Any:
    """Drop `{"type": "null"}` from every anyOf (collapsing a single remaining branch)."""
    if isinstance(node, list):
        return [_without_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _without_null(value) for key, value in node.items()}
    branches = node.get("anyOf")
    if branches is not None:
        kept = [branch for branch in branches if branch != {"type": "null"}]
        if len(kept) == 1:
            node.pop("anyOf")
            node = {**kept[0], **node}
        else:
            node["anyOf"] = kept
    if node.get("default", 0) is None:
        node.pop("default")
    return node


def environment_schema() -> dict[str, Any]:
    schema = _without_null(EnvironmentSettings.model_json_schema())
    definitions = schema["$defs"]
    for model, fields in UNSETTABLE.items():
        for field in fields:
            prop = definitions[model]["properties"][field]
            definitions[model]["properties"][field] = {
                "anyOf": [
                    {key: value for key, value in prop.items() if key not in ("default", "title")},
                    {"const": UNSET},
                ],
                "default": prop.get("default"),
                "title": prop.get("title"),
                "description": f'"{UNSET}" unsets it',
            }
    system_pool = copy.deepcopy(definitions["NodePoolSettings"])
    system_pool.pop("required", None)
    system_pool["title"] = "SystemPoolSettings"
    system_pool["description"] = "The system pool: the keys written here merge over the default pool."
    definitions["SystemPoolSettings"] = system_pool
    schema["properties"]["system_pool"] = {"$ref": "#/$defs/SystemPoolSettings"}
    return {"$schema": SCHEMA_DIALECT, **schema}


def rendered() -> str:
    return json.dumps(environment_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if environments/schema.json is out of date"
    )
    args = parser.parse_args(argv)
    text = rendered()
    if args.check:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
            print(
                "environments/schema.json is out of date with the settings model: run make schema",
                file=sys.stderr,
            )
            return 1
        return 0
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE.relative_to(ENVIRONMENTS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
