"""Every e-mail, in every language: renders with sample data, is well-formed HTML,
and its plain-text part carries the facts the customer needs."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chalicelib.errors import InvalidInput
from chalicelib.notify import messages
from chalicelib.notify.render import LANGUAGES, TEMPLATES, RenderError, locale_for, render

BRAND = {"name": "Lumen Care", "color": "#0B5CAD", "accent_color": "#F2F6FB",
         "support_email": "support@lumen.example", "support_phone": "+40 31 234 5000"}
PREFERRED = {"en": "en-GB", "ro": "ro-RO", "it": "it-IT", "hu": "hu-HU"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictHTML(HTMLParser):
    """Fails on any element closed out of order or left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.doctype = False
        self.text: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(html)
    parser.close()
    assert parser.doctype, "no <!DOCTYPE html>"
    assert parser.stack == [], f"unclosed elements: {parser.stack}"
    return parser


def flat(text: str) -> str:
    """Text with line wrapping and Babel's (narrow) no-break spaces as plain spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def sample(name: str, language: str, time_zone: str = "Europe/Bucharest", **changes):
    kind = messages.TYPES[name]
    variables = messages.check_variables(kind, {**kind.sample, **changes})
    unsubscribe = "https://care.lumen.example/unsubscribe/t0ken" if kind.purpose != messages.TRANSACTIONAL else None
    return render("email", kind, variables, locale=locale_for(PREFERRED[language]), time_zone=time_zone,
                  brand=BRAND, first_name="Ana", unsubscribe_url=unsubscribe)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", [kind.name for kind in messages.on_channel("email")])
def test_every_message_renders_in_every_language_as_well_formed_html_and_text(name, language):
    rendered = sample(name, language)
    parsed = parse_html(rendered.html)
    assert f'<html lang="{language}">' in rendered.html
    assert f"<title>{rendered.subject}" in rendered.html or "&" in rendered.subject
    assert rendered.subject and "\n" not in rendered.subject and len(rendered.subject) < 150
    # The brand from settings is on both parts; nothing leaked from the template machinery
    assert "Lumen Care" in rendered.text and "Lumen Care" in "".join(parsed.text)
    for part in (rendered.text, rendered.html):
        assert "None" not in part and "Undefined" not in part and "{{" not in part and "{%" not in part
    assert not re.search(r"<[a-z/][^>]*>", rendered.text), "HTML tags in the plain-text part"
    assert "#0B5CAD" in rendered.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_return_label_text_has_the_awb_the_label_link_and_the_refund(language):
    text = sample("return_label", language).text
    assert "FAN-7781-2290-RO" in text
    assert "https://care.lumen.example/labels/FAN-7781-2290-RO.pdf" in text
    refund = {"en": "RON1,249.90", "ro": "1.249,90 RON", "it": "1.249,90 RON", "hu": "1 249,90 RON"}[language]
    assert refund in flat(text)


@pytest.mark.parametrize(("language", "local_date", "local_time"), [
    ("en", "12 March 2026", "14:30"),
    ("ro", "12 martie 2026", "ora 14:30"),
    ("it", "12 marzo 2026", "ore 14:30"),
    ("hu", "2026. március 12.", "14:30"),
])
@pytest.mark.parametrize("name", ["appointment_confirmation", "appointment_reminder", "previsit_instructions"])
def test_appointment_times_are_in_the_customers_zone_and_local_format(name, language, local_date, local_time):
    # 12:30 UTC is 14:30 in Bucharest in March
    rendered = sample(name, language)
    assert local_date in flat(rendered.text) and local_time in flat(rendered.text)
    assert "APT-20931" in rendered.text
    # ...and 13:30 for a customer in Rome
    assert local_time.replace("14:30", "13:30") in flat(sample(name, language, time_zone="Europe/Rome").text)


def test_an_american_customer_reads_a_12_hour_clock():
    kind = messages.TYPES["appointment_reminder"]
    rendered = render("email", kind, messages.check_variables(kind, kind.sample), locale=locale_for("en-US"),
                      time_zone="America/New_York", brand=BRAND, first_name="Dana")
    assert "March 12, 2026" in flat(rendered.text) and "8:30 AM" in flat(rendered.text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["contact_summary", "case_opened", "case_updated"])
def test_case_messages_carry_the_case_number(name, language):
    assert "CASE-1042" in sample(name, language).text


@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_invitations_carry_the_survey_link_and_an_unsubscribe_link(language):
    rendered = sample("survey_invitation", language)
    for part in (rendered.text, rendered.html):
        assert "https://care.lumen.example/s/sample-token" in part
        assert "https://care.lumen.example/unsubscribe/t0ken" in part


def test_transactional_messages_have_no_unsubscribe_link():
    rendered = sample("case_opened", "en")
    assert "unsubscribe" not in rendered.html.lower() and "unsubscribe" not in rendered.text.lower()


def test_customer_text_is_escaped_in_html_and_left_as_written_in_text():
    rendered = sample("case_updated", "en", update='Your "parcel" <b>arrived</b> & was signed for')
    assert "&lt;b&gt;arrived&lt;/b&gt; &amp; was signed for" in rendered.html
    assert '<b>arrived</b> & was signed for' in rendered.text


def test_a_zero_score_is_still_shown_to_supervisors():
    rendered = sample("supervisor_alert", "en", score=0)
    assert "NPS 0" in rendered.subject and "NPS 0" in rendered.text


def test_a_template_asking_for_a_variable_it_was_not_given_fails_loudly():
    kind = messages.TYPES["return_label"]
    variables = messages.check_variables(kind, kind.sample)
    del variables["awb_number"]
    with pytest.raises(RenderError, match="awb_number"):
        render("email", kind, variables, locale=locale_for("ro-RO"), time_zone="Europe/Bucharest", brand=BRAND)


@pytest.mark.parametrize(("preferred", "language", "formatting"), [
    ("ro-RO", "ro", "ro_RO"), ("it-IT", "it", "it_IT"), ("hu-HU", "hu", "hu_HU"), ("en-US", "en", "en_US"),
    ("en-GB", "en", "en_GB"), ("ro", "ro", "ro"), ("fr-FR", "en", "en_FR"), ("de-DE", "en", "en_DE"),
    (None, "en", "en"), ("", "en", "en"), ("not a tag", "en", "en"),
])
def test_the_language_follows_the_preferred_language_with_english_as_fallback(preferred, language, formatting):
    locale = locale_for(preferred)
    assert (locale.language, locale.formatting) == (language, formatting)


@pytest.mark.parametrize(("changes", "complaint"), [
    ({"awb_number": None}, "needs awb_number"),
    ({"awb": "X1"}, "does not take awb"),
    ({"label_url": "http://labels.example/1.pdf"}, "https://"),
    ({"pickup_on": "04/03/2026"}, "date like"),
    ({"refund": {"amount": 12.5, "currency": "RON"}}, "decimal number given as a string"),
    ({"refund": {"amount": "12.50", "currency": "lei"}}, "ISO 4217"),
    ({"carrier": "FAN\nBcc: someone@example.com"}, "one line"),
])
def test_bad_variables_are_refused_with_a_clear_reason(changes, complaint):
    kind = messages.TYPES["return_label"]
    with pytest.raises(InvalidInput, match=complaint) as refused:
        messages.check_variables(kind, {**kind.sample, **changes})
    assert refused.value.code == "INVALID_VARIABLES"


def test_a_date_time_without_a_zone_is_refused():
    kind = messages.TYPES["appointment_reminder"]
    with pytest.raises(InvalidInput, match="time zone"):
        messages.check_variables(kind, {**kind.sample, "appointment_at": "2026-03-12T14:30:00"})


def test_every_message_has_a_template_in_every_language_and_no_template_is_orphaned():
    on_disk = {(p.parent.name, p.stem) for p in (TEMPLATES / "email").glob("*/*.j2") if not p.stem.startswith("_")}
    expected = {(language, kind.name) for language in LANGUAGES for kind in messages.on_channel("email")}
    assert on_disk == expected


def _template_text(language: str) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((TEMPLATES / "email" / language).glob("*.j2")))


def test_romanian_uses_comma_below_letters_not_the_cedilla_look_alikes():
    text = _template_text("ro") + (TEMPLATES / "pages" / "unsubscribe.j2").read_text(encoding="utf-8")
    assert not set("şţŞŢãÃ") & set(text), "ş/ţ (cedilla) or ã instead of ș/ț/ă"
    assert {"ș", "ț", "ă", "â", "î"} <= set(text)


def test_hungarian_uses_double_acute_letters_not_their_look_alikes():
    text = _template_text("hu")
    assert not set("õûÕÛôÔ") & set(text), "õ/û/ô instead of ő/ű"
    assert {"ő", "ű", "á", "é"} <= set(text)


def test_italian_uses_accented_letters_not_apostrophes():
    text = _template_text("it")
    assert not re.search(r"\b(perche|puo|piu|e|gia|cosi)'", text), "an apostrophe where an accent belongs"
    assert {"à", "è", "ù"} <= set(text)


def test_templates_live_inside_chalicelib_so_they_are_deployed():
    assert Path(TEMPLATES).resolve().parent.name == "chalicelib"
