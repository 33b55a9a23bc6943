"""Engines behind one interface; the configuration picks one per process."""

from __future__ import annotations

from app.config import Settings
from app.engines.base import Engine, EngineUnavailable, Rendered, Style, SynthesisFailed, Voice
from app.engines.embedded import EmbeddedEngine
from app.engines.sambert import SambertEngine

ENGINES: dict[str, type[Engine]] = {EmbeddedEngine.name: EmbeddedEngine, SambertEngine.name: SambertEngine}


def engine_class(settings: Settings) -> type[Engine]:
    return ENGINES[settings.engine]


def create_engine(settings: Settings) -> Engine:
    if settings.engine == EmbeddedEngine.name:
        return EmbeddedEngine(threads=settings.engine_threads)
    if settings.engine == SambertEngine.name:
        return SambertEngine(settings.sambert_model_dir)
    raise EngineUnavailable(f"unknown engine {settings.engine!r}")


__all__ = [
    "ENGINES",
    "Engine",
    "EngineUnavailable",
    "Rendered",
    "Style",
    "SynthesisFailed",
    "Voice",
    "create_engine",
    "engine_class",
]
