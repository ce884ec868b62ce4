"""Every Azure and Terraform name the stacks use, derived in one place from prefix and location.

The patterns are main.tf's, so the dev environment keeps the names of the cluster it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass

STACK_PREFIX = "ai-conformant-aks"
WORKLOADS_SUFFIX = "-workloads"


@dataclass(frozen=True)
class Naming:
    """Names for one environment: `prefix` like "aks-ai-conformant-dev", `location` like "centralus"."""

    environment: str
    prefix: str
    location: str

    @property
    def stack(self) -> str:
        return f"{STACK_PREFIX}-{self.environment}"

    @property
    def workloads_stack(self) -> str:
        return f"{self.stack}{WORKLOADS_SUFFIX}"

    @property
    def cluster(self) -> str:
        return f"{self.prefix}-{self.location}"

    @property
    def dns_prefix(self) -> str:
        return self.cluster

    @property
    def monitor_workspace(self) -> str:
        return f"amw-{self.prefix}-{self.location}"

    @property
    def data_collection_endpoint(self) -> str:
        return f"aks-dce-{self.prefix}-{self.location}"

    @property
    def data_collection_rule(self) -> str:
        return f"amdcr-prometheus-{self.prefix}-{self.location}"

    @property
    def data_collection_rule_association(self) -> str:
        return f"amdca-{self.prefix}-{self.location}"

    @property
    def container_insights_rule(self) -> str:
        return f"msci-{self.prefix}-{self.location}"

    @property
    def log_analytics_workspace(self) -> str:
        return f"log-{self.prefix}-{self.location}"

    def state_blob(self, key: str | None, stack: str) -> str:
        """The blob of a stack's state in an azurerm backend: `key` (unset: `<cluster stack>.tfstate`)
        names the cluster stack's; other stacks of the environment add their suffix before .tfstate."""
        blob = key or f"{self.stack}.tfstate"
        if stack != self.stack:
            blob = blob.removesuffix(".tfstate") + stack.removeprefix(self.stack) + ".tfstate"
        return blob

    def local_state_file(self, stack: str) -> str:
        # Terraform runs in cdktf.out/stacks/<stack>/; three levels up is the project root,
        # where the cdktf CLI itself keeps local state by default.
        return f"../../../terraform.{stack}.tfstate"


def snake_case(name: str) -> str:
    """A CamelCase Azure name as a Terraform name: ManagedGatewayAPIPreview -> managed_gateway_api_preview."""
    out: list[str] = []
    for index, char in enumerate(name):
        previous = name[index - 1] if index else ""
        following = name[index + 1] if index + 1 < len(name) else ""
        if char.isupper() and index and (previous.islower() or following.islower()):
            out.append("_")
        out.append(char.lower())
    return "".join(out)
