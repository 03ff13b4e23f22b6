"""The contact-reason classifier measured on held-out examples (`make bench`)."""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass

from chalicelib.reasons import catalogue as cat
from chalicelib.reasons import model as reason_model
from chalicelib.reasons.predict import predict


@dataclass(frozen=True)
class Scores:
    language: str
    examples: int
    accuracy: float
    macro_f1: float
    top2: float
    routed: float
    routed_right: float


def _top(probabilities: dict[str, float] | None, n: int) -> list[str]:
    if not probabilities:
        return [cat.OTHER]
    return sorted(probabilities, key=lambda r: -probabilities[r])[:n]


def evaluate(model: reason_model.Model | None = None) -> list[Scores]:
    """Accuracy, macro-F1 and top-2 of the classifier on the held-out examples of each
    language, and how many of them the default threshold routes (reason not `other`)
    and how many of those correctly."""
    model = model or reason_model.load()
    held_out = [e for e in reason_model.read_examples() if e.held_out]
    results = []
    for language in cat.LANGUAGES:
        examples = [e for e in held_out if e.language == language]
        pairs = [(e.reason, _top(model.probabilities(e.text, language), 2)) for e in examples]
        right = sum(truth == ranked[0] for truth, ranked in pairs)
        top2 = sum(truth in ranked for truth, ranked in pairs)
        f1s = []
        for reason in cat.load().ids:
            tp = sum(t == reason and r[0] == reason for t, r in pairs)
            fp = sum(t != reason and r[0] == reason for t, r in pairs)
            fn = sum(t == reason and r[0] != reason for t, r in pairs)
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        decided = [(e.reason, predict(e.text, language).reason) for e in examples]
        routed = [(t, p) for t, p in decided if p != cat.OTHER]
        results.append(Scores(language, len(examples), right / len(examples), statistics.mean(f1s),
                              top2 / len(examples), len(routed) / len(examples),
                              sum(t == p for t, p in routed) / max(len(routed), 1)))
    return results


def cross_validate(folds: int = 5) -> dict[str, float]:
    """Top-1 accuracy per language by k-fold cross-validation on the training examples
    alone (the held-out ones are never read): the figure to choose the learning settings
    and the features by, so that the held-out figures of `make bench` stay honest."""
    ids = cat.load().ids
    seen: Counter = Counter()
    assigned = []
    for example in reason_model.read_examples():
        if not example.held_out:
            assigned.append((example, seen[(example.language, example.reason)] % folds))
            seen[(example.language, example.reason)] += 1
    right: Counter = Counter()
    total: Counter = Counter()
    for fold in range(folds):
        model = reason_model.Model(reason_model.train([e for e, f in assigned if f != fold], ids))
        for example, _ in (pair for pair in assigned if pair[1] == fold):
            right[example.language] += _top(model.probabilities(example.text, example.language), 1)[0] == example.reason
            total[example.language] += 1
    return {language: right[language] / total[language] for language in cat.LANGUAGES}


def load_ms() -> float:
    """Reading and checking the model file, in this process (the catalogue is loaded apart)."""
    started = time.perf_counter()
    reason_model.Model(json.loads(reason_model.MODEL_PATH.read_text(encoding="utf-8")))
    return (time.perf_counter() - started) * 1000


def json_baseline_ms() -> float:
    """Reading and parsing the file as plain JSON, nothing else: what any model file costs."""
    started = time.perf_counter()
    json.loads(reason_model.MODEL_PATH.read_text(encoding="utf-8"))
    return (time.perf_counter() - started) * 1000


FIRST_PREDICTION = (
    "import time, sys; t = time.perf_counter(); from chalicelib.reasons.predict import predict;"
    " p = predict('factura platita de doua ori', 'ro'); assert p.reason == 'billing', p;"
    " sys.stdout.write(str(time.perf_counter() - t))")


def model_size() -> tuple[int, int]:
    raw = reason_model.MODEL_PATH.read_bytes()
    return len(raw), len(gzip.compress(raw))


def prediction_times(runs: int = 200) -> tuple[float, float]:
    """Median time of one prediction and of stemming the same text alone (the baseline)."""
    from chalicelib.reasons import text

    samples = [(e.text, e.language) for e in reason_model.read_examples() if e.held_out]
    samples = (samples * (runs // len(samples) + 1))[:runs]
    for sample in samples[:20]:
        predict(*sample)
    ours, stems = [], []
    for sample in samples:
        started = time.perf_counter()
        predict(*sample)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        text.stems(*sample)
        stems.append(time.perf_counter() - started)
    return statistics.median(ours) * 1000, statistics.median(stems) * 1000


if __name__ == "__main__":
    if "--cross-validate" in sys.argv:
        for language, accuracy in cross_validate().items():
            print(f"{language}: {accuracy:.1%} top-1, 5-fold cross-validation on the training examples")
        sys.exit(0)
    for scores in evaluate():
        print(scores)
    print(Counter(e.language for e in reason_model.read_examples()))
    sys.exit(0)
