"""The fast import of the prebuilt provider packages (provider_loader.py, lazy-provider-index.cjs):
apart from the app, since the stacks synthesize the same bytes without it."""
