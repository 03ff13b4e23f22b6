"""Why is this customer contacting us? Named before an agent picks up, explainably.

Three kinds of evidence, each a number added to a reason's score (log-odds):

- the customer's words (`text`): the classifier's log-probabilities (model.py);
- the menu choice the flow already has: strong evidence (MENU_WEIGHT);
- history (`Evidence` from the history sources): an open case, a journey step in
  progress (a return awaiting pickup, an appointment in the next days), the reasons of
  recent contacts, fading with age.

The scores become probabilities with a softmax; the best reason is the prediction
when its probability reaches the confidence threshold, `other` otherwise (the flow
then falls back to its menu). `because` names what weighed most for the reason
given, in words an agent can read at a glance ("open return R-1004821, 2 days ago;
text"): ids and ages only, never what the customer said.

A caller who says nothing and has an open return awaiting pickup (weight 3): return
at about 0.69. Nothing at all: every reason at 0.10, so `other`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chalicelib.reasons import catalogue as cat

MENU_WEIGHT = 4.0
# What history sources add for what is in progress: alone, each names its reason above
# the default threshold (a return awaiting pickup 0.69, an open case or an
# appointment in the coming days 0.58); clear words still outweigh them.
PENDING_RETURN_WEIGHT = 3.0
OPEN_CASE_WEIGHT = 2.5
UPCOMING_APPOINTMENT_WEIGHT = 2.5
# The half-life of a past contact's reason as evidence, and the most that all past
# contacts of one reason may add (history suggests, it never decides alone).
RECENT_HALF_LIFE_DAYS = 7.0
RECENT_CAP = 1.5
RECENT_WEIGHT = 1.0
BECAUSE_LIMIT = 120


@dataclass(frozen=True)
class Evidence:
    """One fact for a reason: `weight` is added to its log-odds; `because` is a short
    phrase for the agent (ids, ages; no name, address or words of the customer)."""

    reason: str
    weight: float
    because: str
    # What the flow may name to the caller ("R-1004821"): an id, never personal data.
    reference: str = ""


@dataclass(frozen=True)
class Prediction:
    reason: str
    confidence: float
    alternative: str
    because: str
    language: str
    reference: str = ""

    def route(self) -> cat.Reason:
        return cat.load().require(self.reason)


def recent(reason: str, days_ago: float) -> Evidence:
    """A past contact's reason, fading with age."""
    weight = RECENT_WEIGHT * 0.5 ** (max(days_ago, 0.0) / RECENT_HALF_LIFE_DAYS)
    return Evidence(reason, weight, f"last contact {_days(days_ago)}")


def _days(days: float) -> str:
    whole = int(days)
    return "today" if whole <= 0 else "yesterday" if whole == 1 else f"{whole} days ago"


def resolve_language(given: str, profile: str, text: str) -> str:
    """The language to read the text in: the one the flow gives; else, for a text of a
    few words, the language it is written in (a customer with a Romanian profile may
    write in English); else the profile's; else English."""
    language = cat.language_of(given)
    if language:
        return language
    if len(text.split()) >= 3:
        from chalicelib.reasons.model import load

        guessed = load().guess_language(text)
        if guessed:
            return guessed
    return cat.language_of(profile) or cat.DEFAULT_LANGUAGE


def predict(text: str, language: str, *, menu_choice: str = "", history: list[Evidence] | tuple = (),
            threshold: float = 0.5) -> Prediction:
    """Combine the evidence; `language` is a catalogue language (see resolve_language)."""
    catalogue = cat.load()
    ids = catalogue.ids
    scores = dict.fromkeys(ids, 0.0)
    why: dict[str, list[tuple[float, str]]] = {reason: [] for reason in ids}
    references: dict[str, tuple[float, str]] = {}

    if text.strip():
        from chalicelib.reasons.model import load

        probabilities = load().probabilities(text, language)
        best = max(probabilities, key=probabilities.get) if probabilities else cat.OTHER
        # Words that name no reason ("hello, I have a question") leave the decision to
        # the other evidence rather than outvote it.
        if probabilities and best != cat.OTHER:
            for reason in ids:
                scores[reason] += math.log(max(probabilities.get(reason, 0.0), 1e-9))
            why[best].append((-math.log(max(1 - probabilities[best], 1e-9)), "text"))

    menu_reason = catalogue.by_menu(menu_choice)
    if menu_reason:
        scores[menu_reason] += MENU_WEIGHT
        why[menu_reason].append((MENU_WEIGHT, f"menu {menu_choice.strip()}"))

    recent_total: dict[str, float] = {}
    for evidence in history:
        if evidence.reason not in scores:
            continue
        weight = evidence.weight
        if evidence.because.startswith("last contact"):
            room = RECENT_CAP - recent_total.get(evidence.reason, 0.0)
            weight = max(0.0, min(weight, room))
            recent_total[evidence.reason] = recent_total.get(evidence.reason, 0.0) + weight
        scores[evidence.reason] += weight
        if weight > 0:
            why[evidence.reason].append((weight, evidence.because))
        if evidence.reference and weight > references.get(evidence.reason, (0.0, ""))[0]:
            references[evidence.reason] = (weight, evidence.reference)

    top = max(scores.values())
    exps = {reason: math.exp(score - top) for reason, score in scores.items()}
    total = sum(exps.values())
    ranked = sorted(ids, key=lambda r: (-exps[r], ids.index(r)))
    best, runner_up = ranked[0], ranked[1]
    confidence = exps[best] / total
    reasons_for = [phrase for _, phrase in sorted(why[best], key=lambda item: -item[0])]
    hint = _because(reasons_for)
    if confidence >= threshold:
        return Prediction(best, confidence, runner_up, hint or "no evidence", language,
                          references.get(best, (0.0, ""))[1])
    return Prediction(cat.OTHER, confidence, best if best != cat.OTHER else runner_up,
                      f"not sure: {hint}" if hint else "no evidence", language)


def _because(phrases: list[str]) -> str:
    text = "; ".join(dict.fromkeys(phrases))
    return text if len(text) <= BECAUSE_LIMIT else text[:BECAUSE_LIMIT - 1] + "…"
