"""The text classifier: multinomial logistic regression over TF-IDF weighted stems,
pairs of stems and pieces of words, one model per language, pure Python, shipped as
`model.json` beside this module.

A text's TF-IDF vector (sublinear counts, L2-normalised) is scored against each
reason by a weight per feature plus a bias, and the scores become probabilities
through a softmax. The weights are learnt by stochastic gradient descent on the
log-loss, in a fixed order (no randomness: the same examples always build the same
file); unlike a centroid, they learn which words separate neighbouring reasons
(`csomag` is a parcel in a delivery and a plan in a sale: the words around it decide).
Trained from the labelled examples in `examples/<language>.txt`
(and the reasons agents set at wrap-up, exported from the timeline into
`examples/wrapup.tsv`) by `make reasons-model`. In an examples file a `# <reason>`
line starts a reason's utterances, one per line; every fifth utterance of a section
is held out: never trained on, kept to measure the model (`make bench`, the tests).

The file keeps, per language and feature, one string: its IDF and its weight for each
reason (`"2.39|0:.93 6:-.42"`, sparse: small weights are left out), and per language
the reasons' biases. Strings parse many times faster than nested lists, so the file
loads in a few milliseconds and each prediction reads only the features of its text.
"""

from __future__ import annotations

import json
import math
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.reasons import text as textmod

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "model.json"
EXAMPLES = HERE / "examples"
WRAPUP_EXAMPLES = EXAMPLES / "wrapup.tsv"
HOLD_OUT_EVERY = 5
FORMAT = 3
# Learning: passes over the examples, the first pass's step (then step / pass), and the
# L2 penalty that keeps any one feature from deciding alone. Chosen by cross-validation
# on the training part only (`python -m devkit.reasons --cross-validate`).
EPOCHS = 10
STEP = 2.0
L2 = 1e-5
# The smallest weight kept: smaller ones change hardly any decision (cross-validated)
# and would fatten the file by half.
MIN_WEIGHT = 0.4


@dataclass(frozen=True)
class Example:
    language: str
    reason: str
    text: str
    held_out: bool


def read_examples(languages: Iterable[str] = textmod.STEMMERS) -> Iterator[Example]:
    """The labelled examples of the repository: the written ones and the wrap-up export."""
    for language in languages:
        path = EXAMPLES / f"{language}.txt"
        reason, count = "", 0
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                reason, count = line.lstrip("#").strip(), 0
                continue
            if not reason:
                raise ValueError(f"{path.name}:{number}: an utterance before the first '# <reason>' line")
            count += 1
            yield Example(language, reason, line, held_out=count % HOLD_OUT_EVERY == 0)
    if WRAPUP_EXAMPLES.exists():
        for line in WRAPUP_EXAMPLES.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[0] in languages:
                yield Example(parts[0], parts[1], parts[2], held_out=False)


def _weights(features: dict[str, float], idf: Callable[[str], float | None]) -> dict[str, float]:
    """Sublinear TF times IDF, L2-normalised, over the features the model knows."""
    weights = {}
    for f, n in features.items():
        known = idf(f)
        if known is not None:
            weights[f] = (1 + math.log(n) if n >= 1 else n) * known
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {f: w / norm for f, w in weights.items()}


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _fit(vectors: list[tuple[int, dict[str, float]]], classes: int) -> tuple[dict[str, list[float]], list[float]]:
    """Multinomial logistic regression by SGD: the weights per feature and the biases."""
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0] * classes)
    bias = [0.0] * classes
    for epoch in range(EPOCHS):
        step = STEP / (1 + epoch)
        for label, vector in vectors:
            scores = list(bias)
            for f, x in vector.items():
                row = weights[f]
                for c in range(classes):
                    scores[c] += x * row[c]
            gradient = _softmax(scores)
            gradient[label] -= 1.0
            for f, x in vector.items():
                row = weights[f]
                for c in range(classes):
                    row[c] -= step * (gradient[c] * x + L2 * row[c])
            for c in range(classes):
                bias[c] -= step * gradient[c]
    return weights, bias


def _short(number: float) -> str:
    """Two decimals, no leading zero (`-0.213` → `-.21`): the file is mostly these."""
    text = f"{abs(number):.2f}".removeprefix("0")
    return f"-{text}" if number < 0 and text != ".00" else text


def train(examples: Iterable[Example], reasons: tuple[str, ...]) -> dict[str, Any]:
    """A model document from training examples (held-out ones are skipped)."""
    by_language: dict[str, list[tuple[str, str, dict[str, float]]]] = defaultdict(list)
    for example in examples:
        if example.held_out:
            continue
        if example.reason not in reasons:
            raise ValueError(f"example in {example.language} names unknown reason {example.reason!r}")
        by_language[example.language].append(
            (example.reason, example.text, textmod.features(example.text, example.language)))
    languages, biases = {}, {}
    for language, documents in sorted(by_language.items()):
        df = Counter(f for _, _, features in documents for f in features)
        # A pair of words or a piece of a word seen in one example only is noise
        # (and most of the file); a whole word seen once may still be the clue.
        df = Counter({f: d for f, d in df.items() if d > 1 or not (" " in f or f.startswith("#"))})
        n = len(documents)
        idf = {f: math.log((1 + n) / (1 + d)) + 1 for f, d in df.items()}
        # A fixed order that mixes the reasons (the files list them one after another).
        ordered = sorted(documents, key=lambda d: (zlib.crc32(d[1].encode("utf-8")), d[1], d[0]))
        vectors = [(reasons.index(reason), _weights(features, idf.get)) for reason, _, features in ordered]
        weights, bias = _fit(vectors, len(reasons))
        kept = {}
        for f, row in sorted(weights.items()):
            # The same number added to every reason's weight of a feature changes no
            # probability: centred on the median, most weights are about 0 and left out.
            middle = sorted(row)[len(row) // 2]
            row = [w - middle for w in row]
            pairs = " ".join(f"{i}:{_short(w)}" for i, w in enumerate(row) if abs(w) >= MIN_WEIGHT)
            if pairs:
                kept[f] = f"{_short(idf[f])}|{pairs}"
        languages[language] = kept
        biases[language] = [round(b, 3) for b in bias]
    return {"format": FORMAT, "reasons": list(reasons), "bias": biases, "languages": languages}


class Model:
    """A loaded model: reason probabilities for a text in a language."""

    def __init__(self, document: dict[str, Any]) -> None:
        if document.get("format") != FORMAT:
            raise ValueError(f"{MODEL_PATH.name}: format {document.get('format')!r}, expected {FORMAT}")
        self.reasons: tuple[str, ...] = tuple(document["reasons"])
        self._bias: dict[str, list[float]] = document["bias"]
        self._languages: dict[str, dict[str, str]] = document["languages"]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._languages)

    def guess_language(self, text: str) -> str:
        """The language whose stop words and stems the text has most of ("" when none)."""
        best, best_score = "", 0
        folded = [textmod.fold(w) for w in textmod.words(text)]
        for language in self.languages:
            stop = textmod.STOPWORDS[language]
            known = self._languages[language]
            score = sum(1 for w in folded if w in stop) + sum(1 for s in textmod.stems(text, language) if s in known)
            if score > best_score:
                best, best_score = language, score
        return best

    def scores(self, text: str, language: str) -> dict[str, float] | None:
        """Each reason's score (log-odds up to a constant) for the text, or None when the
        text holds no word the model knows (no evidence: the caller decides without the text)."""
        features = self._languages.get(language)
        if features is None:
            return None
        def idf(feature: str) -> float | None:
            entry = features.get(feature)
            return float(entry.partition("|")[0]) if entry is not None else None

        weights = _weights(textmod.features(text, language), idf)
        if not weights:
            return None
        scores = list(self._bias[language])
        for f, w in weights.items():
            for pair in features[f].partition("|")[2].split():
                index, _, weight = pair.partition(":")
                scores[int(index)] += w * float(weight)
        return dict(zip(self.reasons, scores, strict=True))

    def probabilities(self, text: str, language: str) -> dict[str, float] | None:
        """P(reason | text) in `language` (a softmax of the scores), or None."""
        scores = self.scores(text, language)
        if scores is None:
            return None
        return dict(zip(scores, _softmax(list(scores.values())), strict=True))


@cache
def load() -> Model:
    """The shipped model, read once per container."""
    return Model(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def build(path: Path = MODEL_PATH) -> dict[str, Any]:
    """Train on the repository's examples and write the model file."""
    from chalicelib.reasons.catalogue import load as catalogue

    document = train(read_examples(), catalogue().ids)
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                    encoding="utf-8")
    return document
