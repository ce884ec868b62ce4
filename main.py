#!/usr/bin/env python
"""Entry point of the CDKTF app: `cdktf synth` and `cdktf deploy` run this file (see cdktf.json)."""

from __future__ import annotations

import sys

from cdktf import App

from aks_platform.cluster_stack import ClusterStack
from aks_platform.naming import Naming
from aks_platform.settings import EnvironmentSettings


def main() -> int:
    settings = EnvironmentSettings(prefix="aks-ai-conformant-dev")
    app = App()
    ClusterStack(app, Naming("dev", settings.prefix, settings.location), settings)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
