"""How much each piece of evidence about a polyphone's reading counts, as fitted on CPP dev and g2pL.

A reading's score is a weighted sum of its features (``disambiguate.py`` lists
them). *Shared* weights count for every character: the hand-tuned sum of model
and dictionary votes is one such feature. Context features (the neighbours, the
characters two away, the word, the place in it) have each character's *own*
weights, for the (character, reading, context) combinations seen in the training
data; any other context weighs nothing. Only differences between a character's
readings matter, so each feature's weights are shifted to leave most readings
without one (a two-reading character stores one weight per context).

``polyphone_weights.json`` is written by ``bench/fit_polyphones.py --cpp DIR --g2pl DIR``
from CPP's **dev** split (the test split's labels are never read; its sentences
only to leave their copies out of the g2pL data) and the g2pL corpus's three splits
(github.com/whzikaros/g2pL, Apache-2.0): the own weights are a g2pL-fitted layer
scaled by a number fitted on CPP dev plus CPP dev's own. The file records the data,
the cross-validated accuracy (98.40 % on CPP dev) and the settings it was fitted
with, then one line per character: ~20k own weights, ~410 KB, ~1.8 MB once loaded.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("polyphone_weights.json")


@dataclass(frozen=True)
class Weights:
    shared: Mapping[str, float]
    # character → reading → feature → weight
    own: Mapping[str, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)

    def score(self, char: str, reading: str, features: Mapping[str, float]) -> float:
        own = self.own.get(char, {}).get(reading, {})
        return sum((self.shared.get(name, 0.0) + own.get(name, 0.0)) * value for name, value in features.items())

    def to_json(self, about: Mapping[str, object]) -> str:
        """The file's text: ``about`` (split, settings, accuracy), the shared weights, one line per character."""

        def dump(value: object) -> str:
            return json.dumps(value, ensure_ascii=False)

        chars = ",\n".join(f"{dump(ch)}: {dump(readings)}" for ch, readings in sorted(self.own.items()))
        return f'{{"about": {dump(about)},\n"shared": {dump(self.shared)},\n"own": {{\n{chars}\n}}}}\n'


def load(path: Path) -> Weights:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Weights(data["shared"], data["own"])


@functools.cache
def fitted_weights() -> Weights:
    """The weights shipped with the package, read on first use."""
    return load(WEIGHTS_FILE)
