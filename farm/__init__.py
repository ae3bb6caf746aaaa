"""benchfarm control plane: round specs, catalog, scheduler, ledger, store, CLI, embedded mode."""

__version__ = "0.1.0"
