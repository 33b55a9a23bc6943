"""Engines behind one interface, in one registry; the configuration picks one per process."""

from __future__ import annotations

from app.config import Settings
from app.engines.base import Engine, EngineInfo, EngineUnavailable, Rendered, Style, SynthesisFailed, Voice
from app.engines.embedded import EmbeddedEngine
from app.engines.sambert import SambertEngine

ENGINES: dict[str, type[Engine]] = {engine.info.name: engine for engine in (EmbeddedEngine, SambertEngine)}


def engine_class(settings: Settings) -> type[Engine]:
    return ENGINES[settings.engine]


def create_engine(settings: Settings) -> Engine:
    """Load the configured engine (slow: call it on a synthesis thread)."""
    return engine_class(settings).from_settings(settings)


__all__ = [
    "ENGINES",
    "Engine",
    "EngineInfo",
    "EngineUnavailable",
    "Rendered",
    "Style",
    "SynthesisFailed",
    "Voice",
    "create_engine",
    "engine_class",
]
