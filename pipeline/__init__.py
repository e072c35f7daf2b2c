"""Model Factory: the TFX pipeline, its runners and its command line."""
