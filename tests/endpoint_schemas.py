"""The SecretProviderClass's schema, which ../shared/reference does not hold.

Its fields are those of kubernetes-sigs/secrets-store-csi-driver's CRD
(config/crd/bases/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml, v1 as v1alpha1: spec.provider,
spec.parameters as a map of strings, spec.secretObjects[] with secretName, type, labels, annotations
and data[] of objectName and key), written here as a strict JSON Schema (unknown fields fail, as in
tests/schemas.py). Which version of the driver the AKS add-on runs is not checked here.
"""

from __future__ import annotations

from typing import Any

import jsonschema

STRING = {"type": "string"}
STRING_MAP = {"type": "object", "additionalProperties": STRING}
SECRET_PROVIDER_CLASS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"enum": ["secrets-store.csi.x-k8s.io/v1"]},
        "kind": {"const": "SecretProviderClass"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "provider": STRING,
                "parameters": STRING_MAP,
                "secretObjects": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "secretName": STRING,
                            "type": STRING,
                            "labels": STRING_MAP,
                            "annotations": STRING_MAP,
                            "data": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {"objectName": STRING, "key": STRING},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def secret_provider_class_errors(manifest: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(SECRET_PROVIDER_CLASS_SCHEMA)
    name = f"SecretProviderClass {manifest['metadata']['name']}"
    return sorted(
        f"{name}: {'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(manifest)
    )
