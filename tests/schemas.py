"""Checks of what the workloads stacks apply, against the schemas the cluster would use.

- Core Kubernetes types: kubernetes-validate's strict schemas of the cluster's minor.
- Custom resources: `validate(object, crd_schema)` with the upstream CRDs in ../shared/reference/crds.
  The schema's defaults are applied first, as the API server does; then the openAPIV3Schema as a
  JSON Schema in which unknown fields fail (the API server prunes them, so an unknown field is a
  value that silently does nothing) unless the CRD says x-kubernetes-preserve-unknown-fields; then
  list-map and list-set keys and every CEL rule (crd_rules.py, kube_cel.py; docs/schema-checks.md).
- Helm values: every key we set must exist in the chart's own values.yaml (reference copy), except
  inside maps and lists the chart leaves open ({} or [] there).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import crd_rules
import jsonschema
import kubernetes_validate

from aks_platform import yaml_text

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
CRDS = REFERENCE / "crds"
HELM_VALUES = REFERENCE / "helm-values"
REFERENCE_SKIP = (
    "needs ../shared/reference/ (upstream CRDs, chart values and checklists beside the repository): CI "
    "always has it, a clone of this repository alone does not "
    "(docs/testing.md: 'Tests that need the reference data')"
)

Manifest = dict[str, Any]
Schema = dict[str, Any]


def reference_available() -> bool:
    return CRDS.is_dir() and HELM_VALUES.is_dir()


def strict(schema: Any) -> Any:
    """An openAPIV3Schema as JSON Schema: unknown fields fail, int-or-string and nullable honoured."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items() if not key.startswith("x-kubernetes")}
    if schema.get("x-kubernetes-int-or-string"):
        result.pop("type", None)
        result["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and "type" in result:
        result["type"] = [result["type"], "null"]
    result.pop("nullable", None)
    preserve = schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in schema and not preserve and "additionalProperties" not in schema:
        result["additionalProperties"] = False
    return result


@functools.cache
def crd_schema(file_name: str, kind: str, version: str) -> Schema:
    """The openAPIV3Schema of one served version of a reference CRD (shared: do not change it)."""
    documents = [doc for doc in yaml_text.load_all((CRDS / file_name).read_text()) if doc]
    for document in documents:
        if document.get("kind") != "CustomResourceDefinition" or document["spec"]["names"]["kind"] != kind:
            continue
        for served in document["spec"]["versions"]:
            if served["name"] == version:
                return served["schema"]["openAPIV3Schema"]
    raise LookupError(f"{file_name} has no {kind} {version}")


# Keyed by the schema's identity; the schema is kept in the value so that identity stays unique.
_VALIDATORS: dict[int, tuple[Schema, jsonschema.protocols.Validator]] = {}


def json_validator(schema: Schema) -> jsonschema.protocols.Validator:
    if id(schema) not in _VALIDATORS:
        converted = strict(copy.deepcopy(schema))
        # metadata is validated by the API server's ObjectMeta, not the CRD schema; apiVersion and
        # kind are every object's, and never pruned, even where a CRD does not list them (Istio's).
        properties = converted.setdefault("properties", {})
        properties["metadata"] = {"type": "object"}
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        _VALIDATORS[id(schema)] = (schema, jsonschema.Draft202012Validator(converted))
    return _VALIDATORS[id(schema)][1]


def checked(manifest: Manifest, schema: Schema) -> crd_rules.Checked:
    """Everything the API server checks of a custom resource on create, from its CRD alone."""
    defaulted, result = crd_rules.check(manifest, schema)
    result.errors = [
        f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in json_validator(schema).iter_errors(defaulted)
    ] + result.errors
    name = f"{manifest.get('kind')} {manifest.get('metadata', {}).get('name')}"
    result.errors = sorted(f"{name}: {problem}" for problem in result.errors)
    return result


def validate(manifest: Manifest, schema: Schema) -> list[str]:
    """Why the API server would refuse this object under this CRD schema ([] when it would not)."""
    return checked(manifest, schema).errors


def crd_errors(manifest: Manifest, file_name: str) -> list[str]:
    version = manifest["apiVersion"].split("/")[-1]
    return validate(manifest, crd_schema(file_name, manifest["kind"], version))


def core_errors(manifest: Manifest, minor: str) -> list[str]:
    """kubernetes-validate's strict check at the cluster's minor ("1.34" -> schemas of 1.34.0)."""
    try:
        kubernetes_validate.validate(manifest, f"{minor}.0", strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{manifest['kind']} {manifest['metadata']['name']}: {error.message}"]
    return []


def unknown_values(ours: Any, chart: Any, path: str = "") -> list[str]:
    """Keys of our Helm values that the chart's values.yaml does not have."""
    if not isinstance(ours, dict):
        return []
    if not isinstance(chart, dict):
        return [f"{path or '<root>'}: the chart has no map here"]
    if not chart:
        return []  # an open map in the chart ({}): any keys
    problems = []
    for key, value in ours.items():
        where = f"{path}.{key}" if path else key
        if key not in chart:
            problems.append(f"{where}: not a value of the chart")
        elif isinstance(chart[key], dict):
            problems.extend(unknown_values(value, chart[key], where))
    return problems


@functools.cache
def chart_values(file_name: str) -> dict[str, Any]:
    return yaml_text.load((HELM_VALUES / file_name).read_text())
