"""The survey pages: `GET /s/{token}` shows the form, `POST /s/{token}` records it.

Public routes: the link in the invitation carries a signed, expiring token for
purpose `survey` naming the contact's survey (chalicelib/tokens.py). Each link
answers once: the answer is written only if the survey is still unanswered, and the
token's id is kept with it. Every page is small, localized (the customer's language,
from the token) and accessible (fieldsets with legends, labelled controls, errors
announced and tied to their questions).

What a customer can get, and nothing is written in any of these cases:
- 400: a malformed or forged link (or one for something else), or answers that are
  missing or out of range (the form again, saying which and why, their choices kept);
- 404: a survey that no longer exists (past its retention, or erased);
- 409: a survey already answered (the link used twice, another tab);
- 410: an expired link;
- 503: AWS failed; nothing recorded, try again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from chalicelib.errors import Conflict, DependencyFailure, InvalidInput
from chalicelib.http import whole_number
from chalicelib.notify.render import LANGUAGES, environment
from chalicelib.notify.unsubscribe import HEADERS, language_from
from chalicelib.observability import get_logger
from chalicelib.settings import get_settings
from chalicelib.surveys import definitions
from chalicelib.surveys.models import ANSWERED, INVITED, INVITING

MAX_BODY_BYTES = 16 * 1024
MAX_COMMENT = 2000

__all__ = ["HEADERS", "page", "submit"]


class _Page(Exception):
    def __init__(self, status: int, state: str, language: str) -> None:
        super().__init__(state)
        self.status, self.state, self.language = status, state, language


def _render(state: str, language: str, **context: Any) -> str:
    s = get_settings()
    brand = {"name": s.brand_name, "color": s.brand_color, "accent_color": s.brand_accent_color}
    return environment(True).get_template("pages/survey.j2").render(
        state=state, lang=language, brand=brand, survey=context.pop("survey", None), **context)


def _open(token: str, accept_language: str | None) -> tuple[Any, Any, definitions.Survey, str]:
    """The token's claims, the survey and its definition, or a _Page to answer with."""
    from chalicelib import tokens
    from chalicelib.surveys.service import TOKEN_PURPOSE, Surveys

    fallback = language_from(accept_language)
    try:
        claims = tokens.verify(token, TOKEN_PURPOSE)
    except tokens.TokenError as e:
        expired = e.code == "TOKEN_EXPIRED"
        raise _Page(410 if expired else 400, "expired" if expired else "invalid", fallback) from None
    language = claims.data.get("l") if claims.data.get("l") in LANGUAGES else fallback
    survey = Surveys(get_settings()).find(claims.subject)
    if survey is None:
        raise _Page(404, "gone", language)
    if survey.status == ANSWERED:
        raise _Page(409, "answered", language)
    survey_def = definitions.get(survey.definition_id)
    if survey.status not in (INVITED, INVITING) or survey_def is None:
        raise _Page(404, "gone", language)
    return claims, survey, survey_def, language


def page(token: str, accept_language: str | None) -> tuple[int, str]:
    """The form (200), or the page saying why it cannot be answered."""
    try:
        _, _, survey_def, language = _open(token, accept_language)
    except _Page as p:
        return p.status, _render(p.state, p.language)
    except DependencyFailure:
        return 503, _render("unavailable", language_from(accept_language))
    return 200, _render("form", language, survey=survey_def, values={}, errors={})


def parse_form(body: bytes | str | None) -> dict[str, str]:
    """A urlencoded body as {field: value}; a field sent twice or a body that is not
    a form is refused."""
    raw = body.decode("utf-8", "strict") if isinstance(body, bytes) else (body or "")
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise InvalidInput("the form is too large")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=bool(raw), max_num_fields=50)
    except ValueError:
        raise InvalidInput("not a form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise InvalidInput(f"{name} was sent twice")
        fields[name] = value
    return fields


def validate(survey_def: definitions.Survey, fields: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, errors): answers by question id; errors by question id, each a code
    the page words in the customer's language (required, range, too_long)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    known = {q.id for q in survey_def.questions}
    for name in fields:
        if name not in known:
            errors[name] = "unknown"
    for question in survey_def.questions:
        raw = fields.get(question.id, "").strip()
        if question.rated:
            if not raw:
                if question.required:
                    errors[question.id] = "required"
                continue
            low, high = question.scale
            score = whole_number(raw, low, high)
            if score is None:
                errors[question.id] = "range"
                continue
            answers[question.id] = score
        else:
            text = "".join(ch for ch in raw if ch.isprintable() or ch in "\n\t").strip()
            if len(text) > MAX_COMMENT:
                errors[question.id] = "too_long"
            elif text:
                answers[question.id] = text
            elif question.required:
                errors[question.id] = "required"
    return answers, errors


def submit(token: str, body: bytes | str | None, accept_language: str | None) -> tuple[int, str]:
    """Record the answers (200, thank you), or say why not (4xx, nothing written)."""
    from chalicelib.surveys.service import Surveys

    try:
        claims, survey, survey_def, language = _open(token, accept_language)
    except _Page as p:
        return p.status, _render(p.state, p.language)
    except DependencyFailure:
        return 503, _render("unavailable", language_from(accept_language))
    try:
        fields = parse_form(body)
    except (InvalidInput, UnicodeDecodeError):
        return 400, _render("form", language, survey=survey_def, values={}, errors={"_form": "unreadable"})
    answers, errors = validate(survey_def, fields)
    if errors:
        shown = {k: v for k, v in fields.items() if k in {q.id for q in survey_def.questions}}
        return 400, _render("form", language, survey=survey_def, values=shown, errors=errors)
    try:
        Surveys(get_settings()).answer_on_the_web(survey, answers, claims.token_id)
    except Conflict:
        return 409, _render("answered", language)
    except DependencyFailure:
        get_logger().warning("survey answer not recorded: AWS failed", extra={"survey_id": survey.survey_id})
        return 503, _render("unavailable", language)
    return 200, _render("thanks", language)
