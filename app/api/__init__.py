"""HTTP blueprints: they translate requests to service calls and back, nothing more."""
