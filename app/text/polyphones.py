"""Neural polyphone disambiguation with the g2pM model (Park & Lee, Interspeech 2020).

The ``g2pM`` wheel (Apache-2.0) ships a small bidirectional LSTM trained on the
CPP corpus (64-d character embeddings, 32 units each way, 1.6 MB of float32
weights) together with its character and reading tables; nothing is downloaded.
Its own Python class reads one sentence at a time in float64, returns only the
arg-max over all 876 readings (even ones the character cannot have), and
rebuilds arrays at every step. We load the same weights and run them our way:

- the input projections of every character are one matrix product up front,
  the forward and backward directions share the step loop;
- the arg-max is taken over the readings *this* character has (from the
  model's CC-CEDICT digest), which never makes a valid answer worse;
- the probability of the answer is returned too, so the G2P can weigh the model
  against a phrase dictionary.

The weights are loaded once per process (about 2 MB resident).
"""

from __future__ import annotations

import functools
import importlib.util
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The model's sentinel tokens (Korean syllables in the original tables).
_BOS, _EOS, _UNK = "시", "끝", "<UNK>"


def _package_dir() -> Path:
    """Locate the g2pM files without importing the package (its import loads its own model)."""
    spec = importlib.util.find_spec("g2pM")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the g2pM package is not installed (pip install -r requirements.txt)")
    return Path(spec.submodule_search_locations[0])


def _load(path: Path) -> object:
    with path.open("rb") as f:
        return pickle.load(f)  # the wheel's own data files, not user input


@dataclass(frozen=True)
class Guess:
    reading: str  # toned pinyin, tone 5 = neutral
    probability: float  # softmax over the character's own readings


class PolyphoneModel:
    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or _package_dir()
        weights = {k: np.asarray(v, dtype=np.float32) for k, v in _load(directory / "np_ckpt.pkl").items()}
        self._char_ids: dict[str, int] = _load(directory / "char2idx.pkl")
        classes: dict[str, int] = _load(directory / "class2idx.pkl")
        cedict: dict[str, list[str]] = _load(directory / "digest_cedict.pkl")
        # Candidate class ids of every polyphonic character.
        self.candidates: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}
        for ch, readings in cedict.items():
            known = [r for r in readings if r in classes]
            if len(known) > 1:
                ours = tuple(r.replace("u:", "v") for r in known)  # the tables write ü as u:
                self.candidates[ch] = (np.array([classes[r] for r in known]), ours)
        emb = weights["embedding.weight"]
        h = weights["lstm.weight_hh_l0"].shape[1]
        self._hidden = h
        # Both directions step together on one state vector [h_fw, h_bw]. Gates are laid out
        # [i_fw i_bw f_fw f_bw o_fw o_bw g_fw g_bw] so one tanh serves the three sigmoid gates
        # (sigmoid(x) = 0.5·tanh(x/2) + 0.5) and the step is a handful of vector operations.
        order = (0, 1, 3, 2)  # PyTorch stores i, f, g, o

        def spread(matrix: np.ndarray, direction: int) -> np.ndarray:
            """[rows, 4h] in PyTorch gate order → [rows, 8h] in our layout, zeros for the other direction."""
            out = np.zeros((matrix.shape[0], 8 * h), dtype=np.float32)
            for slot, gate in enumerate(order):
                col = (2 * slot + direction) * h
                out[:, col : col + h] = matrix[:, gate * h : (gate + 1) * h]
            return out

        def reorder(matrix: np.ndarray) -> np.ndarray:
            """[rows, 4h] in PyTorch gate order → [rows, 4h] in our gate order (i, f, o, g)."""
            return np.concatenate([matrix[:, g * h : (g + 1) * h] for g in order], axis=1)

        fw = ("lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0")
        bw = tuple(name + "_reverse" for name in fw)
        # Halve the sigmoid gates' pre-activations once here instead of at every step.
        scale = np.ones(4 * h, dtype=np.float32)
        scale[: 3 * h] = 0.5
        self._embedding = emb
        self._projections: list[tuple[np.ndarray, np.ndarray]] = []
        recurrent = np.zeros((2 * h, 8 * h), dtype=np.float32)
        for direction, (w_ih, w_hh, b_ih, b_hh) in enumerate((fw, bw)):
            # The input projection, applied to a sentence's characters at once. (Projecting the
            # whole vocabulary up front would save ~10 µs per sentence for 4 MB per process.)
            bias = (weights[b_ih] + weights[b_hh])[None]
            self._projections.append((reorder(weights[w_ih].T) * scale, reorder(bias)[0] * scale))
            recurrent[direction * h : (direction + 1) * h] = spread(weights[w_hh].T, direction)
        self._recurrent = recurrent * np.repeat(scale.reshape(4, h), 2, axis=0).reshape(-1)
        self._fc0 = (weights["logit_layer.0.weight"].T.copy(), weights["logit_layer.0.bias"])
        self._fc1 = (weights["logit_layer.2.weight"], weights["logit_layer.2.bias"])

    def is_polyphone(self, ch: str) -> bool:
        return ch in self.candidates

    def _ids(self, sentence: str) -> np.ndarray:
        unk = self._char_ids[_UNK]
        ids = [self._char_ids[_BOS]] + [self._char_ids.get(ch, unk) for ch in sentence] + [self._char_ids[_EOS]]
        return np.array(ids)

    def _states(self, ids: np.ndarray) -> np.ndarray:
        """Hidden states [T, 2h] of the bidirectional LSTM, forward half then backward half."""
        n, h = len(ids), self._hidden
        # Step t reads character t forward and character n-1-t backward.
        x = np.empty((n, 4, 2, h), dtype=np.float32)
        embedded = self._embedding[ids]
        for direction, (w, b) in enumerate(self._projections):
            rows = embedded if direction == 0 else embedded[::-1]
            x[:, :, direction] = (rows @ w + b).reshape(n, 4, h)
        x = x.reshape(n, 8 * h)
        steps = np.empty((n, 2 * h), dtype=np.float32)
        state = np.zeros(2 * h, dtype=np.float32)
        cell = np.zeros(2 * h, dtype=np.float32)
        squashed = np.empty(2 * h, dtype=np.float32)
        gates = np.empty(8 * h, dtype=np.float32)
        # Views into ``gates``, made once: the loop below only runs in-place vector operations,
        # since at this size the cost is the number of NumPy calls, not the arithmetic.
        sig, i_gate, f_gate, o_gate, g_gate = (
            gates[: 6 * h],
            gates[: 2 * h],
            gates[2 * h : 4 * h],
            gates[4 * h : 6 * h],
            gates[6 * h :],
        )
        w = self._recurrent
        for t in range(n):
            np.dot(state, w, out=gates)
            gates += x[t]
            np.tanh(gates, out=gates)
            sig *= 0.5
            sig += 0.5
            cell *= f_gate
            g_gate *= i_gate
            cell += g_gate
            np.tanh(cell, out=squashed)
            np.multiply(o_gate, squashed, out=state)
            steps[t] = state
        out = np.empty_like(steps)
        out[:, :h] = steps[:, :h]
        out[:, h:] = steps[::-1, h:]
        return out

    def distributions(self, sentence: str, positions: list[int]) -> list[dict[str, float]]:
        """Probability of each reading of the polyphonic characters at ``positions`` of ``sentence``."""
        if not positions:
            return []
        states = self._states(self._ids(sentence))[[p + 1 for p in positions]]  # +1: the BOS token
        hidden = np.maximum(states @ self._fc0[0] + self._fc0[1], 0)
        w1, b1 = self._fc1
        out = []
        for row, pos in zip(hidden, positions, strict=True):
            ids, readings = self.candidates[sentence[pos]]
            logits = w1[ids] @ row + b1[ids]
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
            out.append(dict(zip(readings, probs.tolist(), strict=True)))
        return out

    def predict(self, sentence: str, positions: list[int]) -> list[Guess]:
        """The most likely reading of each polyphonic character at ``positions`` of ``sentence``."""
        guesses = []
        for dist in self.distributions(sentence, positions):
            best = max(dist, key=dist.__getitem__)
            guesses.append(Guess(best, dist[best]))
        return guesses


@functools.cache
def polyphone_model() -> PolyphoneModel:
    """The process-wide model, loaded on first use."""
    return PolyphoneModel()
