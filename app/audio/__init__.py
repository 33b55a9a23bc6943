"""Audio: prosody presets, signal processing and encoding."""
