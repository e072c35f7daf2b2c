"""Factory helpers for the project's model code (called from its run_fn)."""
