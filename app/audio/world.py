"""The WORLD vocoder's functions (pyworld's compiled module), loaded without pyworld's package.

``pyworld/__init__.py`` imports ``pkg_resources`` only to read its own version
number, which costs every worker about 14 MB and 0.1 s at start-up. Its
functions all live in the compiled ``pyworld.pyworld`` module, so that module is
loaded directly (and registered under its usual name, so a later ``import
pyworld`` reuses it).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_NAME = "pyworld.pyworld"


def _load() -> ModuleType:
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    package = importlib.util.find_spec("pyworld")
    if package is None or not package.submodule_search_locations:
        raise ImportError("pyworld is not installed (pip install -r requirements.txt)")
    directory = Path(next(iter(package.submodule_search_locations)))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = directory / f"pyworld{suffix}"
        if path.is_file():
            spec = importlib.util.spec_from_file_location(_NAME, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[_NAME] = module
            spec.loader.exec_module(module)
            return module
    raise ImportError(f"pyworld's compiled module is missing in {directory}")


_world = _load()
dio = _world.dio
stonemask = _world.stonemask
get_cheaptrick_fft_size = _world.get_cheaptrick_fft_size
cheaptrick = _world.cheaptrick
d4c = _world.d4c
synthesize = _world.synthesize
