"""A small, safe Markdown subset to HTML: what articles need and nothing that can
carry script.

Headings (`#` to `###`), paragraphs, bulleted and numbered lists, `**bold**`,
`*italic*`, `` `code` `` and links to https, http and mailto addresses. Every other
character is escaped, raw HTML included: `<script>` in an article shows as text. A
link to any other scheme (`javascript:`, `data:`) is shown as its text only.
"""

from __future__ import annotations

import re
from html import escape

_HEADING = re.compile(r"(#{1,3})\s+(.+)")
_BULLET = re.compile(r"[-*]\s+(.+)")
_NUMBERED = re.compile(r"\d{1,3}[.)]\s+(.+)")
_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(([^)\s]{1,500})\)")
_CODE = re.compile(r"`([^`\n]{1,200})`")
_BOLD = re.compile(r"\*\*([^*\n]{1,500})\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*\n]{1,500})\*(?![*\w])")
_SAFE_URL = re.compile(r"(?:https?://|mailto:)[^\s\"'<>`]+", re.IGNORECASE)


def _inline(text: str) -> str:
    """Inline markup of one line, escaped first so nothing the author wrote is markup
    unless this function made it."""
    pieces: list[str] = []
    position = 0
    for match in _LINK.finditer(text):
        pieces.append(_emphasis(escape(text[position:match.start()], quote=False)))
        label, url = match.groups()
        shown = _emphasis(escape(label, quote=False))
        if _SAFE_URL.fullmatch(url):
            pieces.append(f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{shown}</a>')
        else:
            pieces.append(shown)
        position = match.end()
    pieces.append(_emphasis(escape(text[position:], quote=False)))
    return "".join(pieces)


def _emphasis(escaped: str) -> str:
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)


def to_html(markdown: str) -> str:
    """HTML of the Markdown subset; safe to put inside a page as it is."""
    out: list[str] = []
    paragraph: list[str] = []
    list_kind: str | None = None

    def close_paragraph() -> None:
        if paragraph:
            out.append("<p>" + " ".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_kind
        if list_kind:
            out.append(f"</{list_kind}>")
            list_kind = None

    for raw in markdown.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close_paragraph()
            close_list()
            continue
        heading = _HEADING.fullmatch(line)
        bullet = _BULLET.fullmatch(line)
        numbered = _NUMBERED.fullmatch(line)
        if heading:
            close_paragraph()
            close_list()
            # Article headings sit under the page's own h1 (the title).
            level = len(heading.group(1)) + 1
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            close_paragraph()
            kind = "ul" if bullet else "ol"
            if list_kind != kind:
                close_list()
                out.append(f"<{kind}>")
                list_kind = kind
            out.append(f"<li>{_inline((bullet or numbered).group(1))}</li>")
        else:
            close_list()
            paragraph.append(line)
    close_paragraph()
    close_list()
    return "\n".join(out)


def to_text(markdown: str) -> str:
    """The article as plain text for chat and WhatsApp: markup removed, links as
    `label (url)`."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if _SAFE_URL.fullmatch(m.group(2)) else m.group(1),
                     markdown)
    text = re.sub(r"^#{1,3}\s+", "", text, flags=re.MULTILINE)
    text = _BOLD.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    return _ITALIC.sub(r"\1", text).strip()
