"""Prometheus recording rules, read from data/recording-rules.yaml (Prometheus rule-file format).

The file is parsed once per process, however many stacks use it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from aks_platform import yaml_text
from aks_platform.paths import DATA

RULES_FILE = DATA / "recording-rules.yaml"

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

    @property
    def description(self) -> str:
        """The group name in words: "NodeRecordingRulesRuleGroup" -> "Node Recording Rules Rule Group"."""
        return " ".join(re.findall(r"[A-Z][a-z0-9]*", self.name))

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
def load_recording_rule_groups(path: Path = RULES_FILE) -> tuple[RecordingRuleGroup, ...]:
    document = yaml_text.load(path.read_text(encoding="utf-8"))
    return tuple(
        RecordingRuleGroup(
            name=group["name"],
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
