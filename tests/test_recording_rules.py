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
TEMPLATE = ROOT.parent / "shared" / "reference" / "prometheus-collector-addon-terraform-main.tf"
CLUSTER = "aks-ai-conformant-dev-centralus"
UX = "UXRecordingRulesRuleGroup"


REFERENCE_SKIP = (
    "needs ../shared/reference/azure-monitor-recording-rules.yaml (Azure's default rules, to "
    "compare with our copy): CI always has it, a clone alone does not "
    "(docs/testing.md: 'Tests that need the reference data')"
)
TEMPLATE_SKIP = (
    "needs ../shared/reference/prometheus-collector-addon-terraform-main.tf (Microsoft's onboarding "
    "template, to compare the UX group with): CI always has it, a clone alone does not "
    "(docs/testing.md: 'Tests that need the reference data')"
)
PROMTOOL_SKIP = "promtool not installed (Debian package `prometheus`; .ci/run installs it)"


def _groups_by_name(stack: Stack) -> dict[str, dict]:
    groups = resources(stack, "azurerm_monitor_alert_prometheus_rule_group")
    return {group["name"]: group for group in groups.values()}


def test_project_copy_matches_reference() -> None:
    """The node and Kubernetes groups are Azure's default rules as they are."""
    if not REFERENCE.exists():
        pytest.skip(REFERENCE_SKIP)
    ours = yaml_text.load(RULES_FILE.read_text())
    reference = yaml_text.load(REFERENCE.read_text())
    assert [group for group in ours["groups"] if group["name"] != UX] == reference["groups"]


def _template_groups() -> dict[str, dict]:
    """Microsoft's onboarding template's rule groups by Terraform name (python-hcl2 wraps each
    attribute's value in a list)."""
    import hcl2

    with TEMPLATE.open(encoding="utf-8") as handle:
        document = hcl2.load(handle)
    return {
        name: body
        for resource in document["resource"]
        for name, body in resource.get("azurerm_monitor_alert_prometheus_rule_group", {}).items()
    }


def test_the_ux_group_is_the_one_microsofts_template_deploys(dev_stack: Stack) -> None:
    """Azure/prometheus-collector's AddonTerraformTemplate deploys the UX group, enabled, beside the
    node and Kubernetes groups: ours has its rules in order, its name, description and interval."""
    if not TEMPLATE.exists():
        pytest.skip(TEMPLATE_SKIP)
    template = _template_groups()
    upstream = template["ux_recording_rules_rule_group"]
    assert upstream["rule_group_enabled"] == [True]
    ours = next(group for group in yaml_text.load(RULES_FILE.read_text())["groups"] if group["name"] == UX)
    assert [rule["record"] for rule in ours["rules"]] == [rule["record"][0] for rule in upstream["rule"]]
    assert [rule["expr"] for rule in ours["rules"]] == [rule["expression"][0] for rule in upstream["rule"]]
    assert all(rule["enabled"] == [True] for rule in upstream["rule"])
    synthesized = _groups_by_name(dev_stack)[f"UXRecordingRulesRuleGroup - {CLUSTER}"]
    assert upstream["name"] == ["UXRecordingRulesRuleGroup - ${var.cluster_name}"]
    assert [synthesized["description"]] == upstream["description"]
    assert [synthesized["interval"]] == upstream["interval"]
    # The template's other Linux groups always deployed are the two we have; its Windows groups
    # are switched by enable_windows_recording_rules (no Windows pools here).
    always = {
        body["name"][0].split("-$")[0].split(" - ")[0]
        for body in template.values()
        if body["rule_group_enabled"] == [True]
    }
    assert always == {"NodeRecordingRulesRuleGroup", "KubernetesRecordingRulesRuleGroup", UX}


def test_rule_group_names_and_settings(dev_stack: Stack) -> None:
    groups = _groups_by_name(dev_stack)
    assert set(groups) == {
        f"NodeRecordingRulesRuleGroup-{CLUSTER}",
        f"KubernetesRecordingRulesRuleGroup-{CLUSTER}",
        f"UXRecordingRulesRuleGroup - {CLUSTER}",
    }
    node = groups[f"NodeRecordingRulesRuleGroup-{CLUSTER}"]
    kubernetes = groups[f"KubernetesRecordingRulesRuleGroup-{CLUSTER}"]
    ux = groups[f"UXRecordingRulesRuleGroup - {CLUSTER}"]
    assert node["description"] == "Node Recording Rules Rule Group"
    assert kubernetes["description"] == "Kubernetes Recording Rules Rule Group"
    assert ux["description"] == "UX recording rules for Linux"
    assert (len(node["rule"]), len(kubernetes["rule"]), len(ux["rule"])) == (11, 19, 18)
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
        separator = " - " if reference_group["name"] == UX else "-"
        synthesized = groups[f"{reference_group['name']}{separator}{CLUSTER}"]["rule"]
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
    assert "SUCCESS: 48 rules found" in result.stdout
