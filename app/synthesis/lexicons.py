"""The deployment's pronunciation lexicon (``TTS_LEXICON``) and requests' own entries.

Under gunicorn the master process reads the file at start-up (a bad entry stops
the start with the line it is on) and again on SIGHUP, before it starts the new
workers, which inherit what it read: a file that fails to load on a reload is
reported and the previous lexicon stays in use, so a typo never takes the
service down. Elsewhere (tests, the command line) the file is read on first use.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path

from app.errors import InvalidParameter
from app.text.user_lexicon import LexiconError, UserLexicon

log = logging.getLogger(__name__)

# path → (lexicon, digest of the file it came from); filled by the gunicorn master.
_loaded: dict[str, tuple[UserLexicon, str]] = {}


def load_deployment_lexicon(path: str) -> tuple[UserLexicon, str]:
    """Read ``path`` now (raises LexiconError naming the line) and keep it for this process and its forks."""
    lexicon = UserLexicon.load(path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    _loaded[path] = (lexicon, digest)
    log.info("pronunciation lexicon %s: %d entries", path, len(lexicon))
    return lexicon, digest


def reload_deployment_lexicon(path: str) -> None:
    """SIGHUP: read the file again; on failure, say why and keep what was loaded before."""
    try:
        load_deployment_lexicon(path)
    except LexiconError as exc:
        log.error("lexicon not reloaded, the previous one stays in use: %s", exc)


def deployment_lexicon(path: str) -> tuple[UserLexicon | None, str]:
    """The lexicon for ``path`` ("" = none) and a digest that changes whenever its file does."""
    if not path:
        return None, ""
    if path not in _loaded:
        load_deployment_lexicon(path)
    return _loaded[path]


def request_lexicon(entries: Mapping[str, str] | None) -> UserLexicon | None:
    """A request's own entries, or a clear 400 naming the bad entry."""
    if not entries:
        return None
    try:
        return UserLexicon.from_mapping(entries)
    except LexiconError as exc:
        raise InvalidParameter(f"'lexicon': {exc}", param="lexicon") from None
