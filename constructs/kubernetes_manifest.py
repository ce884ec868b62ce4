"""`kubernetes_manifest` whose HCL review output keeps the manifest's types.

The prebuilt binding renders `manifest` for `cdktf synth --hcl` as a map of maps, so lists become
maps with numeric keys (`containers = { 0 = ... }`) and strings such as "1" become numbers. This
subclass renders it as an HCL expression instead; the JSON that Terraform applies is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsii
from cdktf_cdktf_provider_kubernetes.manifest import Manifest

from constructs.hcl import hcl_any


class KubernetesManifest(Manifest):
    """A kubernetes_manifest of one object; `manifest` is the object as a plain mapping."""

    def __init__(self, scope: Any, id: str, *, manifest: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(scope, id, manifest=manifest, **kwargs)
        self._object = dict(manifest)

    @jsii.member(jsii_name="synthesizeHclAttributes")
    def _synthesize_hcl_attributes(self) -> Mapping[str, Any]:
        return {"manifest": hcl_any(self._object)}
