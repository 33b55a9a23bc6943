"""The synthesis service and the per-process engine host."""
