"""The Kueue chart's values: two replicas with a PodDisruptionBudget, webhooks only where queues are.

templates/kueue-values.yaml holds the values and names the chart files they were checked against.
Here the governed namespaces (those with a LocalQueue) and the integrations in use fill it:
- "statefulset" for the KAITO Workspace: KAITO (v0.8 onwards) serves a workspace from a StatefulSet
  (pkg/workspace/manifests/manifests.go GenerateStatefulSetManifest, GenerateManifestWithPodTemplate);
  the statefulset integration manages its pods through the pod integration
  (ImplicitlyEnabledFrameworkNames, pkg/controller/jobs/statefulset/statefulset_controller.go), so
  "pod" is listed too, which makes the pod webhook's failurePolicy Fail in the chart (scoped to the
  governed namespaces).
- "batch/job" for the batch queue.
"""

from __future__ import annotations

import json
import string
from typing import Any

import yaml

from aks_platform import yaml_text
from aks_platform.paths import TEMPLATES
from aks_platform.queues import queue_namespaces
from aks_platform.settings import EnvironmentSettings
from aks_platform.settings.workloads import NO_BATCH_POOL

TEMPLATE = TEMPLATES / "kueue-values.yaml"
WORKSPACE_FRAMEWORKS = ("pod", "statefulset")
BATCH_FRAMEWORKS = ("batch/job",)


def frameworks(settings: EnvironmentSettings) -> list[str]:
    """The Kueue integrations the environment's queues need."""
    used: list[str] = []
    if settings.workloads.kaito_workspace.enabled:
        used += WORKSPACE_FRAMEWORKS
    if settings.workloads.gang_scheduling.batch_pool != NO_BATCH_POOL or not used:
        used += BATCH_FRAMEWORKS
    return used


def kueue_values(settings: EnvironmentSettings) -> dict[str, Any]:
    """The values mapping; managerConfig.controllerManagerConfigYaml is the string the chart reads."""
    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        governed_namespaces=json.dumps(sorted(queue_namespaces(settings))),
        frameworks=json.dumps(frameworks(settings)),
    )
    values = yaml_text.load(text)
    config = values["managerConfig"]["controllerManagerConfigYaml"]
    values["managerConfig"]["controllerManagerConfigYaml"] = yaml.safe_dump(config, sort_keys=False)
    return values
