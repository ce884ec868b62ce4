"""Prometheus recording rules, read from data/recording-rules.yaml (Prometheus rule-file format).

The file is parsed once per process, however many stacks use it. A group's Azure resource name and
description follow the default ("<group>-<cluster>", the group name in words) unless
data/recording-rule-groups.toml gives Microsoft's own (the UX group).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aks_platform import yaml_text
from aks_platform.paths import DATA

RULES_FILE = DATA / "recording-rules.yaml"
GROUPS_FILE = DATA / "recording-rule-groups.toml"
# The group managed_prometheus.ux_recording_rules switches.
UX_GROUP = "UXRecordingRulesRuleGroup"

_DURATION = re.compile(r"^(?P<value>[1-9][0-9]*)(?P<unit>[smh])$")


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RecordingRuleGroup:
    name: str
    interval: str
    rules: tuple[RecordingRule, ...]
    azure_name: str | None = None
    "Microsoft's own name pattern ({cluster}), where it is not the default."
    azure_description: str | None = None
    "Microsoft's own description, where it is not the default."

    @property
    def description(self) -> str:
        """Microsoft's description, else the group name in words: "NodeRecordingRulesRuleGroup" ->
        "Node Recording Rules Rule Group"."""
        return self.azure_description or " ".join(re.findall(r"[A-Z][a-z0-9]*", self.name))

    def resource_name(self, cluster: str) -> str:
        """The Azure rule group's name for a cluster: "<group>-<cluster>" unless Microsoft's differs."""
        return self.azure_name.format(cluster=cluster) if self.azure_name else f"{self.name}-{cluster}"

    @property
    def iso8601_interval(self) -> str:
        """Azure wants ISO 8601 durations: Prometheus "1m" -> "PT1M"."""
        match = _DURATION.match(self.interval)
        if match is None:
            raise ValueError(
                f"{RULES_FILE.name}: group {self.name!r} has interval {self.interval!r}; "
                "use a whole number of seconds, minutes or hours such as 1m"
            )
        return f"PT{match['value']}{match['unit'].upper()}"


@functools.cache
def load_recording_rule_groups(
    path: Path = RULES_FILE, groups_path: Path = GROUPS_FILE
) -> tuple[RecordingRuleGroup, ...]:
    document = yaml_text.load(path.read_text(encoding="utf-8"))
    azure = tomllib.loads(groups_path.read_text(encoding="utf-8"))
    return tuple(
        RecordingRuleGroup(
            name=group["name"],
            azure_name=azure.get(group["name"], {}).get("name"),
            azure_description=azure.get(group["name"], {}).get("description"),
            interval=group.get("interval", "1m"),
            rules=tuple(
                RecordingRule(
                    record=rule["record"],
                    expr=rule["expr"],
                    labels=tuple(sorted((rule.get("labels") or {}).items())),
                )
                for rule in group["rules"]
            ),
        )
        for group in document["groups"]
    )
