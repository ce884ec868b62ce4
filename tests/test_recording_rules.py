"""The recording rule groups, checked against Azure's reference rules and by promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, Stack, resources

from aks_platform import yaml_text
from aks_platform.recording_rules import RULES_FILE

REFERENCE = ROOT.parent / "shared" / "reference" / "azure-monitor-recording-rules.yaml"
CLUSTER = "aks-ai-conformant-dev-centralus"


REFERENCE_SKIP = (
    "needs ../shared/reference/azure-monitor-recording-rules.yaml (Azure's default rules, to "
    "compare with our copy): CI always has it, a clone alone does not "
    "(docs/testing.md: 'Tests that need the reference data')"
)
PROMTOOL_SKIP = "promtool not installed (Debian package `prometheus`; .ci/run installs it)"


def _groups_by_name(stack: Stack) -> dict[str, dict]:
    groups = resources(stack, "azurerm_monitor_alert_prometheus_rule_group")
    return {group["name"]: group for group in groups.values()}


def test_project_copy_matches_reference() -> None:
    if not REFERENCE.exists():
        pytest.skip(REFERENCE_SKIP)
    ours = yaml_text.load(RULES_FILE.read_text())
    reference = yaml_text.load(REFERENCE.read_text())
    assert ours == reference


def test_rule_group_names_and_settings(dev_stack: Stack) -> None:
    groups = _groups_by_name(dev_stack)
    assert set(groups) == {
        f"NodeRecordingRulesRuleGroup-{CLUSTER}",
        f"KubernetesRecordingRulesRuleGroup-{CLUSTER}",
    }
    node = groups[f"NodeRecordingRulesRuleGroup-{CLUSTER}"]
    kubernetes = groups[f"KubernetesRecordingRulesRuleGroup-{CLUSTER}"]
    assert node["description"] == "Node Recording Rules Rule Group"
    assert kubernetes["description"] == "Kubernetes Recording Rules Rule Group"
    assert (len(node["rule"]), len(kubernetes["rule"])) == (11, 19)
    for group in groups.values():
        assert group["rule_group_enabled"] is True
        assert group["interval"] == "PT1M"
        assert group["cluster_name"] == "${azurerm_kubernetes_cluster.aks.name}"
        assert group["location"] == "centralus"
        assert group["scopes"] == [
            "${azurerm_monitor_workspace.monitor_workspace.id}",
            "${azurerm_kubernetes_cluster.aks.id}",
        ]


def test_rules_follow_the_data_file_in_order(dev_stack: Stack) -> None:
    groups = _groups_by_name(dev_stack)
    expected = yaml_text.load(RULES_FILE.read_text())["groups"]
    for reference_group in expected:
        synthesized = groups[f"{reference_group['name']}-{CLUSTER}"]["rule"]
        assert [rule["record"] for rule in synthesized] == [
            rule["record"] for rule in reference_group["rules"]
        ]
        assert [rule["expression"] for rule in synthesized] == [
            rule["expr"] for rule in reference_group["rules"]
        ]
        assert [rule.get("labels", {}) for rule in synthesized] == [
            rule.get("labels", {}) for rule in reference_group["rules"]
        ]
        assert all(rule["enabled"] is True for rule in synthesized)


def _as_prometheus_rule_file(stack: Stack) -> dict:
    """Turn the synthesized Azure rule groups back into a Prometheus rule file."""
    groups = []
    for group in resources(stack, "azurerm_monitor_alert_prometheus_rule_group").values():
        rules = []
        for rule in group["rule"]:
            entry = {"record": rule["record"], "expr": rule["expression"]}
            if rule.get("labels"):
                entry["labels"] = rule["labels"]
            rules.append(entry)
        interval = group["interval"].removeprefix("PT").lower()
        groups.append({"name": group["name"], "interval": interval, "rules": rules})
    return {"groups": groups}


@pytest.mark.subprocess
def test_promtool_accepts_synthesized_rules(dev_stack: Stack, tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip(PROMTOOL_SKIP)
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(yaml.safe_dump(_as_prometheus_rule_file(dev_stack), sort_keys=False))
    result = subprocess.run(
        [promtool, "check", "rules", str(rule_file)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 30 rules found" in result.stdout
