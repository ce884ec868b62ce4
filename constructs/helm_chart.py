"""A Helm chart pinned by repository, name and version, as the constructs' helm_release arguments."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HelmChartProps:
    """Where helm_release finds a chart and where it installs it; defaults are the helm provider's."""

    repository: str
    'Chart repository URL, such as "oci://registry.k8s.io/kueue/charts".'
    chart: str
    "The chart's name in the repository."
    version: str
    "The exact chart version (a pin, never a range)."
    namespace: str
    "Namespace of the release."
    create_namespace: bool = False
    "Create the namespace when it does not exist."
    wait: bool = True
    "Wait until the release's resources are ready before marking it deployed."
