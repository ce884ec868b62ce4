"""The AI-conformant AKS platform: settings, naming and the stacks built from them."""
