"""The text classifier: nearest centroid over TF-IDF weighted stems, one model per
language, pure Python, shipped as `model.json` beside this module.

Each reason is the normalised sum (centroid) of its training examples' TF-IDF
vectors; a text is scored by its cosine similarity to each centroid, and the scores
become probabilities through a softmax whose sharpness (TEMPERATURE) was chosen on
the training part. Trained from the labelled examples in `examples/<language>.txt`
(and the reasons agents set at wrap-up, exported from the timeline into
`examples/wrapup.tsv`) by `make reasons-model`. In an examples file a `# <reason>`
line starts a reason's utterances, one per line; every fifth utterance of a section
is held out: never trained on, kept to measure the model (`make bench`, the tests).

The file keeps, per language and feature, one string: its IDF and its weight in each
reason's centroid (`"2.386|0:0.0132 6:0.0415"`, sparse: most features belong to one or
two reasons). Strings parse many times faster than nested lists, so the file loads
in a few milliseconds and each prediction reads only the features of its text.
"""

from __future__ import annotations

import json
import math
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
FORMAT = 2
# The sharpness of the probabilities the similarities turn into, and the smallest
# centroid weight kept (smaller ones change no decision and would only fatten the file).
TEMPERATURE = 30.0
MIN_WEIGHT = 0.01


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


def train(examples: Iterable[Example], reasons: tuple[str, ...]) -> dict[str, Any]:
    """A model document from training examples (held-out ones are skipped)."""
    by_language: dict[str, list[tuple[str, dict[str, float]]]] = defaultdict(list)
    for example in examples:
        if example.held_out:
            continue
        if example.reason not in reasons:
            raise ValueError(f"example in {example.language} names unknown reason {example.reason!r}")
        by_language[example.language].append((example.reason, textmod.features(example.text, example.language)))
    languages = {}
    for language, documents in sorted(by_language.items()):
        df = Counter(f for _, features in documents for f in features)
        # A pair of words or a piece of a word seen in one example only is noise
        # (and most of the file); a whole word seen once may still be the clue.
        df = Counter({f: d for f, d in df.items() if d > 1 or not (" " in f or f.startswith("#"))})
        n = len(documents)
        idf = {f: math.log((1 + n) / (1 + d)) + 1 for f, d in df.items()}
        sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for reason, features in documents:
            for f, w in _weights(features, idf.get).items():
                sums[reasons.index(reason)][f] += w
        centroid: dict[str, dict[int, float]] = defaultdict(dict)
        for index, vector in sums.items():
            norm = math.sqrt(sum(w * w for w in vector.values()))
            for f, w in vector.items():
                if w / norm >= MIN_WEIGHT:
                    centroid[f][index] = w / norm
        languages[language] = {
            f: f"{round(idf[f], 3)}|" + " ".join(f"{i}:{round(w, 4)}" for i, w in sorted(per.items()))
            for f, per in sorted(centroid.items())}
    return {"format": FORMAT, "reasons": list(reasons), "temperature": TEMPERATURE, "languages": languages}


class Model:
    """A loaded model: reason probabilities for a text in a language."""

    def __init__(self, document: dict[str, Any]) -> None:
        if document.get("format") != FORMAT:
            raise ValueError(f"{MODEL_PATH.name}: format {document.get('format')!r}, expected {FORMAT}")
        self.reasons: tuple[str, ...] = tuple(document["reasons"])
        self.temperature = float(document["temperature"])
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

    def similarities(self, text: str, language: str) -> dict[str, float] | None:
        """Cosine similarity of the text to each reason, or None when the text holds
        no word the model knows (no evidence: the caller decides without the text)."""
        features = self._languages.get(language)
        if features is None:
            return None
        def idf(feature: str) -> float | None:
            entry = features.get(feature)
            return float(entry.partition("|")[0]) if entry is not None else None

        weights = _weights(textmod.features(text, language), idf)
        if not weights:
            return None
        scores = [0.0] * len(self.reasons)
        for f, w in weights.items():
            for pair in features[f].partition("|")[2].split():
                index, _, weight = pair.partition(":")
                scores[int(index)] += w * float(weight)
        return dict(zip(self.reasons, scores, strict=True))

    def probabilities(self, text: str, language: str) -> dict[str, float] | None:
        """P(reason | text) in `language` (a softmax of the similarities), or None."""
        similarities = self.similarities(text, language)
        if similarities is None:
            return None
        top = max(similarities.values())
        exps = {r: math.exp(self.temperature * (s - top)) for r, s in similarities.items()}
        total = sum(exps.values())
        return {r: e / total for r, e in exps.items()}


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
