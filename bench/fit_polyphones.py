"""Fit the polyphone weights (app/text/polyphone_weights.json) on CPP's dev split.

    python bench/fit_polyphones.py --cpp /data/cpp            # CV on dev, then fit on all of dev
    python bench/fit_polyphones.py --cpp /data/cpp --dry-run  # CV only, write nothing

DIR holds CPP's dev.sent/dev.lb (github.com/kakaobrain/g2pM, data/). Only the dev
split is read: the test split is for one final measurement by bench/frontend.py.

The model is a multinomial logistic regression over each labelled character's
readings (a conditional logit): a reading's score is the weighted sum of the
features ``app.text.disambiguate.candidate_features`` gives it. Features without
a colon (the hand-tuned base score) have weights shared by all characters; context
features ("right:脱", "word:挣脱") have weights of each character's own. Fitted by
full-batch Adam on the log-likelihood with an L2 penalty, light on the shared
weights and heavy on the own ones (each character has only ~20 dev sentences);
own weights too small to matter are dropped from the file.

The accuracy printed for the k folds is that of the whole disambiguator
(``choose``, with the rule for 地) on each held-out fold, fitted on the others.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # this checkout's app, and frontend.py's CPP reader

from frontend import load_cpp  # noqa: E402

from app.text.disambiguate import Features, candidate_features, choose  # noqa: E402
from app.text.lexicon import lexicon  # noqa: E402
from app.text.polyphone_weights import WEIGHTS_FILE, Weights  # noqa: E402

PENALTY = {"shared": 0.01, "own": 1.0}  # L2, in units of one sentence's log-likelihood
STEPS, RATE = 400, 0.05
PRUNE = 0.05  # dropping own weights smaller than this changed no answer in cross-validation
_HAN = re.compile(r"[\u3400-\u9fff]+")

Key = str | tuple[str, str, str]  # a shared feature, or (character, reading, feature)


@dataclass(frozen=True)
class Example:
    sentence: str
    index: int
    label: str
    boundaries: frozenset[int]
    readings: dict[str, Features]


def boundaries(sentence: str) -> frozenset[int]:
    """Word boundaries as the G2P sees them: the phrase lexicon's segmentation of each run of Chinese."""
    words, out = lexicon(), set()
    for run in _HAN.finditer(sentence):
        pos = run.start()
        out.add(pos)
        for word in words.segment(run.group(0)):
            pos += len(word)
            out.add(pos)
    return frozenset(out)


def examples(directory: Path) -> list[Example]:
    out = []
    for sentence, index, label in load_cpp(directory, "dev"):
        cuts = boundaries(sentence)
        readings = candidate_features(sentence, [index], cuts).get(index)
        if readings is not None:  # 一 and 不 are tone sandhi's
            out.append(Example(sentence, index, label, cuts, readings))
    return out


def _key(char: str, reading: str, name: str) -> Key:
    """Context features ("right:脱") get weights of the character's own, the others shared ones."""
    return (char, reading, name) if ":" in name else name


class Problem:
    """The examples as sparse arrays: one row per (example, candidate reading)."""

    def __init__(self, data: list[Example]) -> None:
        self.keys: list[Key] = []
        columns: dict[Key, int] = {}
        rows, cols, values, owner, truth = [], [], [], [], []
        for e, ex in enumerate(data):
            char = ex.sentence[ex.index]
            for reading, features in ex.readings.items():
                row = len(owner)
                owner.append(e)
                truth.append(reading == ex.label)
                for name, value in features.items():
                    key = _key(char, reading, name)
                    if key not in columns:
                        columns[key] = len(self.keys)
                        self.keys.append(key)
                    rows.append(row)
                    cols.append(columns[key])
                    values.append(value)
        self.rows, self.cols = np.array(rows), np.array(cols)
        self.values = np.array(values)
        self.owner, self.truth = np.array(owner), np.array(truth, dtype=float)
        self.penalty = np.array([PENALTY["shared" if isinstance(k, str) else "own"] for k in self.keys])
        self.n_examples = len(data)

    def fit(self, train: np.ndarray) -> np.ndarray:
        """Weights (one per column) maximising the penalised log-likelihood of the ``train`` examples."""
        used = np.zeros(self.n_examples, dtype=bool)
        used[train] = True
        live = used[self.owner]  # candidate rows of training examples
        entries = live[self.rows]
        rows, cols, values = self.rows[entries], self.cols[entries], self.values[entries]
        n_rows, n = len(self.owner), len(train)
        w = np.zeros(len(self.keys))
        if "base" in self.keys:
            w[self.keys.index("base")] = 1.0  # start from the hand-tuned sum alone
        m, v = np.zeros_like(w), np.zeros_like(w)
        for step in range(1, STEPS + 1):
            score = np.bincount(rows, weights=w[cols] * values, minlength=n_rows)
            score[~live] = -np.inf
            top = np.full(self.n_examples, -np.inf)
            np.maximum.at(top, self.owner, score)
            e = np.where(live, np.exp(score - np.where(live, top[self.owner], 0.0)), 0.0)
            total = np.bincount(self.owner, weights=e, minlength=self.n_examples)
            p = e / np.where(total > 0, total, 1.0)[self.owner]
            residual = (p - self.truth) * live
            grad = (np.bincount(cols, weights=residual[rows] * values, minlength=len(w)) + self.penalty * w) / n
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad * grad
            w -= RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        return w

    def weights(self, w: np.ndarray) -> Weights:
        shared: dict[str, float] = {}
        own: dict[str, dict[str, dict[str, float]]] = {}
        for key, value in zip(self.keys, w.tolist(), strict=True):
            if isinstance(key, str):
                shared[key] = round(value, 4)
            elif abs(value) >= PRUNE:
                char, reading, name = key
                own.setdefault(char, {}).setdefault(reading, {})[name] = round(value, 3)
        return Weights(shared, own)


def accuracy(data: list[Example], weights: Weights) -> float:
    right = sum(choose(ex.sentence, [ex.index], ex.boundaries, weights)[ex.index].reading == ex.label for ex in data)
    return right / len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpp", type=Path, required=True, help="directory with CPP's dev.sent and dev.lb")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="of the random split into folds")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--dry-run", action="store_true", help="cross-validate only")
    args = parser.parse_args()

    data = examples(args.cpp)
    problem = Problem(data)
    order = np.random.default_rng(args.seed).permutation(len(data))
    right = 0
    for k in range(args.folds):
        held_out = order[k :: args.folds]
        weights = problem.weights(problem.fit(np.setdiff1d(order, held_out)))
        fold = accuracy([data[j] for j in held_out], weights)
        right += round(fold * len(held_out))
        print(f"fold {k + 1}/{args.folds}: {100 * fold:.2f} % of {len(held_out)}", flush=True)
    cv = right / len(data)
    print(f"cross-validated accuracy on dev: {100 * cv:.2f} % ({len(data)} sentences)")
    if args.dry_run:
        return
    weights = problem.weights(problem.fit(order))
    print(f"fitted on all of dev: {100 * accuracy(data, weights):.2f} % on dev (in-sample)")
    n_own = sum(len(f) for readings in weights.own.values() for f in readings.values())
    about = {
        "fitted_on": f"CPP dev split ({len(data)} sentences; github.com/kakaobrain/g2pM data/dev.*), never test",
        "by": "bench/fit_polyphones.py",
        "cross_validated_accuracy": f"{100 * cv:.2f} % ({args.folds} folds, seed {args.seed})",
        "settings": {"penalty": PENALTY, "steps": STEPS, "rate": RATE, "prune": PRUNE},
        "own_weights": n_own,
    }
    args.out.write_text(weights.to_json(about), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB, {n_own} own weights)")


if __name__ == "__main__":
    main()
