"""The command-line tools around the app: each runs as `python -m aks_platform.tools.<name>`
from a make target (preflight, check-plan, scan, conformance, schema, new-env, refresh-versions)
or is a library of one (chart_currency for main.py's warnings). `cdktf synth` needs none of them;
they import the app, never the other way round, except main.py's chart warnings."""
