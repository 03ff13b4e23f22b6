"""The knowledge base without AWS: words, articles, the index, search quality,
safe HTML and quick responses."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.knowledge import index as kb
from chalicelib.knowledge import quick, source
from chalicelib.knowledge.markdown import to_html
from chalicelib.knowledge.text import terms
from tests.knowledge.quality import quality


@pytest.mark.parametrize(("typed", "written", "language"), [
    ("factura platita de doua ori", "Factura plătită de două ori", "ro"),
    ("retururi si rambursari", "Retururi și rambursări", "ro"),
    ("retururi si rambursari", "Retururi şi rambursări", "ro"),  # the older cedilla spelling
    ("ketszer terheltek a szamlamon", "Kétszer terheltek a számlámon", "hu"),
    ("perche il pacco e in ritardo", "Perché il pacco è in ritardo", "it"),
    ("returning parcels", "Returned parcel", "en"),
])
def test_a_question_typed_without_diacritics_meets_the_text_written_with_them(typed, written, language):
    # Given a text with diacritics and the same words typed without them
    # Then every word of the typed question is among the terms of the written text
    assert set(terms(typed, language)) <= set(terms(written, language))


def test_stems_join_the_forms_of_a_word_in_each_language():
    assert terms("facturile", "ro") == terms("factura", "ro")
    assert terms("rimborsi", "it") == terms("rimborso", "it")
    assert terms("csomagom", "hu")[0] == terms("csomag", "hu")[0]
    assert terms("refunds", "en") == terms("refund", "en")


def test_every_article_is_written_in_all_four_languages():
    articles = source.read_all()
    ids = {a.id for a in articles}
    assert {"return-awb-label", "delivery-delay", "double-charge-refund", "appointment-changes", "visit-preparation",
            "password-reset", "complaint-handling", "gdpr-requests"} <= ids
    for article_id in ids:
        assert sorted(a.language for a in articles if a.id == article_id) == ["en", "hu", "it", "ro"]


@pytest.mark.parametrize("language", ["en", "ro", "it", "hu"])
def test_the_labelled_questions_find_their_answer_in_the_top_three(language):
    # Given the questions customers and agents ask, each with the reasons its answer carries
    # When each is searched in its language
    found = quality(kb.load())[language]
    # Then at least nine in ten have a right article among the first three
    assert found["recall@3"] >= 0.9, found["misses"]
    assert found["mrr"] >= 0.8


def test_the_romanian_double_charge_question_without_diacritics_finds_the_article():
    hits = kb.load().search("factura platita de doua ori", "ro")
    assert hits[0].article["id"] == "double-charge-refund"
    assert hits[0].article["title"].startswith("Ați plătit de două ori")
    assert hits[0].confident


def test_a_reason_raises_the_articles_that_carry_it():
    index = kb.load()
    plain = [h.article["id"] for h in index.search("cancel", "en")]
    boosted = [h.article["id"] for h in index.search("cancel", "en", reason="cancellation")]
    assert boosted[0] == "appointment-changes"
    assert index.search("cancel", "en", reason="cancellation")[0].score > \
        next(h.score for h in index.search("cancel", "en") if h.article["id"] == "appointment-changes")
    assert set(plain) == set(boosted)


def test_agent_articles_are_left_out_when_customers_are_answered():
    index = kb.load()
    assert index.search("complaint", "en")[0].article["id"] == "complaint-handling"
    assert all(h.article["audience"] == "customer" for h in index.search("complaint", "en", audience="customer"))


def test_words_no_article_has_give_nothing():
    assert kb.load().search("xylophone quantum zebra", "en") == []
    assert kb.load().search("", "hu") == []


# ---- a broken article stops the build, naming its file and line -------------------

def _copy_sources(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    shutil.copytree(source.SOURCES, root)
    return root


@pytest.mark.parametrize(("change", "line", "message"), [
    (("reasons: [billing]", "reasons: [refunds]"), 5, "unknown reason 'refunds'; reasons are billing, delivery"),
    (("title: Ați plătit de două ori? Cum vă primiți banii înapoi\n", ""), 1, "title is missing"),
    (("reviewed: 2026-11-10", "reviewed: 10.11.2026"), 10, "reviewed must be a date as YYYY-MM-DD"),
    (("audience: customer", "audience: everyone"), 7, "audience must be agent or customer"),
    (("tier: 1", "tier: one"), 8, "tier must be one of 1, 2, 3"),
    (("---\nid:", "id:"), 1, "an article starts with a '---' line"),
    (("channels: [voice, chat, whatsapp, email, web]", "channels: [voice, fax]"), 6, "channels must be a list"),
    (("owner: billing-team", "owner: billing-team\ncolour: blue"), 10, "unknown field 'colour'"),
])
def test_a_broken_article_fails_the_build_naming_its_file_and_line(tmp_path, change, line, message):
    # Given the Romanian double-charge article with one fault
    root = _copy_sources(tmp_path)
    broken = root / "double-charge-refund" / "ro.md"
    text = broken.read_text(encoding="utf-8")
    assert change[0] in text
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    # When the index is built
    with pytest.raises(source.ArticleError) as failure:
        kb.build(root)
    # Then the error names the file, the line and what is wrong
    assert failure.value.path.endswith("double-charge-refund/ro.md")
    assert failure.value.line == line
    assert message in str(failure.value)
    assert str(failure.value).startswith(f"{failure.value.path}:{line}: ")


def test_an_article_missing_a_language_fails_the_build(tmp_path):
    root = _copy_sources(tmp_path)
    (root / "password-reset" / "hu.md").unlink()
    with pytest.raises(source.ArticleError, match="article password-reset has no hu translation"):
        kb.build(root)


def test_translations_that_disagree_on_reasons_fail_the_build(tmp_path):
    root = _copy_sources(tmp_path)
    italian = root / "delivery-delay" / "it.md"
    italian.write_text(italian.read_text(encoding="utf-8").replace("reasons: [delivery]", "reasons: [return]"),
                       encoding="utf-8")
    with pytest.raises(source.ArticleError, match="reasons differs from the English article") as failure:
        kb.build(root)
    assert failure.value.line == 5


def test_the_written_index_is_what_the_sources_build(tmp_path):
    target = tmp_path / "index.json"
    size = kb.write(target)
    assert size == target.stat().st_size < 200_000
    loaded = kb.Index(__import__("json").loads(target.read_text(encoding="utf-8")))
    assert loaded.search("awb", "ro")[0].article["id"] == "return-awb-label"


# ---- article HTML -------------------------------------------------------------------

def test_markup_in_an_article_is_shown_as_text_never_run():
    html = to_html('# Title <script>alert(1)</script>\n\nText <img src=x onerror="alert(1)"> '
                   "[click](javascript:alert(1)) [ours](https://lumen.example/help?a=1&b=2)\n\n- **bold** *it* `code`")
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace("click", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://lumen.example/help?a=1&amp;b=2" rel="noopener noreferrer">ours</a>' in html
    assert "<li><strong>bold</strong> <em>it</em> <code>code</code></li>" in html


def test_every_article_renders_to_html_without_raw_markup():
    for article in source.read_all():
        html = to_html(article.body)
        assert "<script" not in html.lower()
        assert html.count("<ol>") == html.count("</ol>") and html.count("<ul>") == html.count("</ul>")


# ---- quick responses ----------------------------------------------------------------

def test_every_quick_response_renders_in_every_language():
    quick.check_all()


def test_a_quick_response_speaks_to_the_customer_in_their_language_and_time_zone():
    customer = quick.Customer(first_name="Réka", time_zone="Europe/Budapest", locale="hu_HU",
                              appointment={"at": datetime(2026, 12, 3, 8, 30, tzinfo=UTC), "service": "vérvétel"})
    replies = {r["id"]: r["text"] for r in quick.offered("appointment", "hu", customer)}
    assert replies["hello"].startswith("Jó napot, Réka,")
    assert "2026. december 3., csütörtök 9:30" in replies["appointment_details"]


def test_a_reply_that_needs_an_order_is_not_offered_without_one():
    replies = [r["id"] for r in quick.offered("return", "ro", quick.Customer(first_name="Ana"))]
    assert "return_label" not in replies
    with_order = quick.offered("return", "ro", quick.Customer(order={"number": "100-4821", "awb": "LC000123"}))
    assert any("comanda 100-4821" in r["text"] and "AWB LC000123" in r["text"] for r in with_order)


def test_a_customer_name_with_markup_reaches_chat_as_typed():
    reply = quick.render(quick.RESPONSES[0], "en", quick.Customer(first_name="Tom & <Jerry>"))
    assert reply.startswith("Hello Tom & <Jerry>,")


def test_the_knowledge_base_knows_the_reasons_of_the_catalogue_and_no_others(monkeypatch):
    from dataclasses import replace

    from chalicelib.errors import InvalidInput
    from chalicelib.knowledge.reasons import reason_ids, require_reason, self_service
    from chalicelib.reasons import catalogue

    # Given a catalogue to which a contact center added a reason of its own

    shipped = catalogue.load()
    added = replace(shipped.require("billing"), id="warranty", menu="", aliases=())
    monkeypatch.setattr(catalogue, "load", lambda: catalogue.Catalogue((*shipped, added)))
    # Then articles, searches and quick responses may name it, and it can be self-served
    assert reason_ids()[-1] == "warranty"
    assert require_reason("warranty") == "warranty"
    assert self_service("warranty") and not self_service("complaint") and not self_service(None)
    # And a reason the catalogue does not have is refused with the known ones named
    with pytest.raises(InvalidInput, match=r"known reasons are billing, .*warranty"):
        require_reason("refunds")
