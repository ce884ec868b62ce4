"""Azure Monitor's ServiceMonitor and PodMonitor (azmonitoring.coreos.com/v1), checked against the
fields and forms data/azure-monitor-crds.toml records from the add-on's CRDs, and
ama-metrics-settings-configmap against the agent's schema (data/ama-metrics-settings.toml)."""

from __future__ import annotations

import functools
import re
import tomllib
from typing import Any

from aks_platform.paths import DATA

Manifest = dict[str, Any]


@functools.cache
def crd_facts() -> dict[str, Any]:
    return tomllib.loads((DATA / "azure-monitor-crds.toml").read_text(encoding="utf-8"))


@functools.cache
def settings_facts() -> dict[str, Any]:
    return tomllib.loads((DATA / "ama-metrics-settings.toml").read_text(encoding="utf-8"))


def monitor_errors(manifest: Manifest) -> list[str]:
    facts = crd_facts()
    kind = manifest["kind"]
    name = f"{kind} {manifest['metadata'].get('name')}"
    if manifest["apiVersion"] != facts["group_version"] or kind not in facts:
        return [f"{name}: not an {facts['group_version']} ServiceMonitor or PodMonitor"]
    shape = facts[kind]
    problems = [
        f"{name}: {key}: not a field of the CRD"
        for key in manifest
        if key not in ("apiVersion", "kind", "metadata", "spec")
    ]
    if not manifest["metadata"].get("namespace"):
        problems.append(f"{name}: metadata.namespace is missing (the monitor is namespaced)")
    spec = manifest.get("spec", {})
    problems += [f"{name}: spec.{key} is required" for key in shape["spec_required"] if key not in spec]
    problems += [
        f"{name}: spec.{key}: not a field of the CRD" for key in spec if key not in shape["spec_fields"]
    ]
    problems += [
        f"{name}: spec.{key} must be an integer"
        for key in facts["integer_fields"]
        if key in spec and type(spec[key]) is not int
    ]
    problems += [
        f"{name}: spec.selector.{key}: not a field"
        for key in spec.get("selector", {})
        if key not in facts["selector_fields"]
    ]
    problems += [
        f"{name}: spec.namespaceSelector.{key}: not a field"
        for key in spec.get("namespaceSelector", {})
        if key not in facts["namespace_selector_fields"]
    ]
    for index, endpoint in enumerate(spec.get(shape["endpoints"], [])):
        where = f"{name}: spec.{shape['endpoints']}[{index}]"
        problems += [
            f"{where}.{key}: not a field of the CRD"
            for key in endpoint
            if key not in shape["endpoint_fields"]
        ]
        if "scheme" in endpoint and endpoint["scheme"] not in facts["schemes"]:
            problems.append(f"{where}.scheme: {endpoint['scheme']} is not one of {facts['schemes']}")
        for key in ("interval", "scrapeTimeout"):
            if key in endpoint and not re.fullmatch(facts["duration_pattern"], str(endpoint[key])):
                problems.append(f"{where}.{key}: {endpoint[key]} is not a Prometheus duration")
        if "port" in endpoint and not isinstance(endpoint["port"], str):
            problems.append(f"{where}.port: a port name (Azure's monitors scrape named ports)")
    return problems


def parse_settings(text: str) -> dict[str, str]:
    """The `key = value` lines of one settings block (the agent's TOML-like format)."""
    found = {}
    for line in text.splitlines():
        if line.strip() and not line.strip().startswith("#"):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def settings_errors(manifest: Manifest) -> list[str]:
    """ama-metrics-settings-configmap: name, namespace, schema version, v2 sections and target keys."""
    from aks_platform import yaml_text

    facts = settings_facts()
    problems = []
    if (manifest["metadata"]["name"], manifest["metadata"].get("namespace")) != (
        facts["name"],
        facts["namespace"],
    ):
        problems.append(f"the agent reads only {facts['namespace']}/{facts['name']}")
    data = manifest.get("data", {})
    version = str(data.get("schema-version", "")).strip()
    if version not in facts["schema_versions"]:
        problems.append(
            f"schema-version {version!r} is not one of {facts['schema_versions']}: the agent rejects it"
        )
        return problems
    if len(str(data.get("config-version", ""))) > facts["config_version_max"]:
        problems.append("config-version longer than 10 characters is cut")
    if version != "v2":
        return problems
    sections = facts["v2"]["sections"]
    for key, value in data.items():
        if key in ("schema-version", "config-version", "prometheus-collector-settings"):
            continue
        if key not in sections:
            problems.append(f"data.{key}: not a section of schema v2")
            continue
        nested = yaml_text.load(value) or {}
        for section, block in nested.items():
            if section not in sections[key]:
                problems.append(f"data.{key}.{section}: not a part of {key}")
            elif key == "cluster-metrics" and section == "default-targets-scrape-enabled":
                for target, flag in parse_settings(block).items():
                    if target not in facts["v2"]["scrape_targets"]:
                        problems.append(f"{key}.{section}.{target}: not a target the agent knows (ignored)")
                    if flag not in ("true", "false"):
                        problems.append(f"{key}.{section}.{target} = {flag}: must be true or false")
    return problems
