"""Article sources: Markdown files with front matter, checked completely.

    articles/<id>/<language>.md

    ---
    id: double-charge-refund
    language: ro
    title: Ați fost taxat de două ori? Cum primiți banii înapoi
    reasons: [billing]
    channels: [voice, chat, whatsapp, email, web]
    audience: customer
    tier: 1
    owner: billing-team
    reviewed: 2026-11-02
    review_days: 180
    ---
    The article in Markdown (the subset chalicelib/knowledge/markdown.py renders).

The same article in every language shares its id and its reasons, channels,
audience, tier and owner; each language has its own title and text. A fault in any
file (unknown reason, missing field, a language missing) is an ArticleError naming
the file and the line, and stops the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chalicelib.knowledge.reasons import reason_ids
from chalicelib.knowledge.text import LANGUAGES

SOURCES = Path(__file__).resolve().parent / "articles"
CHANNELS = ("voice", "chat", "whatsapp", "email", "web")
AUDIENCES = ("agent", "customer")
TIERS = (1, 2, 3)
_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
_OWNER = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
_LINE = re.compile(r"([a-z_]+):\s*(.*)")
_REQUIRED = ("id", "language", "title", "reasons", "channels", "audience", "tier", "owner", "reviewed")
_OPTIONAL = ("review_days",)
# Fields that are one decision for the article, whatever the language.
SHARED = ("reasons", "channels", "audience", "tier", "owner", "review_days")
DEFAULT_REVIEW_DAYS = 180
MAX_BODY = 20_000


class ArticleError(ValueError):
    """An article that cannot be built, with where it is wrong."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path, self.line, self.reason = str(path), line, message
        super().__init__(f"{self.path}:{line}: {message}")


@dataclass(frozen=True)
class Article:
    id: str
    language: str
    title: str
    reasons: tuple[str, ...]
    channels: tuple[str, ...]
    audience: str
    tier: int
    owner: str
    reviewed: date
    review_days: int
    body: str
    path: str

    @property
    def lead(self) -> str:
        """The first paragraph of the text: what a chat message or a snippet shows."""
        for block in re.split(r"\n\s*\n", self.body.strip()):
            block = block.strip()
            if block and not block.startswith(("#", "-", "*", "1.", ">")):
                return " ".join(line.strip() for line in block.splitlines())
        return self.title


def _list(raw: str) -> list[str] | None:
    if not (raw.startswith("[") and raw.endswith("]")):
        return None
    return [part.strip() for part in raw[1:-1].split(",") if part.strip()]


def parse(text: str, path: Path | str) -> Article:
    """One article from its file's text."""
    if "\t" in text.split("\n---", 1)[0]:
        raise ArticleError(path, 1, "front matter must not use tabs")
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ArticleError(path, 1, "an article starts with a '---' line, its front matter, and another '---'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ArticleError(path, 1, "the front matter has no closing '---' line") from None
    fields: dict[str, tuple[int, str]] = {}
    for number in range(1, end):
        line = lines[number].strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if not match:
            raise ArticleError(path, number + 1, f"expected 'name: value', got {line[:40]!r}")
        name, value = match.groups()
        if name not in _REQUIRED and name not in _OPTIONAL:
            raise ArticleError(path, number + 1, f"unknown field {name!r}; fields are "
                                                 f"{', '.join(_REQUIRED + _OPTIONAL)}")
        if name in fields:
            raise ArticleError(path, number + 1, f"{name} is given twice")
        fields[name] = (number + 1, value.strip())
    for name in _REQUIRED:
        if name not in fields or not fields[name][1]:
            raise ArticleError(path, fields.get(name, (1, ""))[0], f"{name} is missing")

    def fail(name: str, message: str) -> ArticleError:
        return ArticleError(path, fields[name][0], message)

    article_id = fields["id"][1]
    if not _ID.fullmatch(article_id):
        raise fail("id", "id must be 2-64 lower-case letters, digits or '-'")
    language = fields["language"][1]
    if language not in LANGUAGES:
        raise fail("language", f"language must be one of {', '.join(LANGUAGES)}")
    title = fields["title"][1]
    if len(title) > 120:
        raise fail("title", "title must be at most 120 characters")
    reasons = _list(fields["reasons"][1])
    if not reasons:
        raise fail("reasons", "reasons must be a list like [billing, return]")
    known = reason_ids()
    for reason in reasons:
        if reason not in known:
            raise fail("reasons", f"unknown reason {reason!r}; reasons are {', '.join(known)}")
    channels = _list(fields["channels"][1])
    if not channels or any(c not in CHANNELS for c in channels):
        raise fail("channels", f"channels must be a list of {', '.join(CHANNELS)}")
    audience = fields["audience"][1]
    if audience not in AUDIENCES:
        raise fail("audience", f"audience must be {' or '.join(AUDIENCES)}")
    tier = fields["tier"][1]
    if tier not in {str(t) for t in TIERS}:
        raise fail("tier", f"tier must be one of {', '.join(map(str, TIERS))} (the support line it is written for)")
    owner = fields["owner"][1]
    if not _OWNER.fullmatch(owner):
        raise fail("owner", "owner must be a team or mailbox name without spaces")
    try:
        reviewed = date.fromisoformat(fields["reviewed"][1])
    except ValueError:
        raise fail("reviewed", "reviewed must be a date as YYYY-MM-DD") from None
    review_days = DEFAULT_REVIEW_DAYS
    if "review_days" in fields:
        raw = fields["review_days"][1]
        if not raw.isdigit() or not 1 <= int(raw) <= 1095:
            raise fail("review_days", "review_days must be a whole number of days from 1 to 1095")
        review_days = int(raw)
    body = "\n".join(lines[end + 1:]).strip()
    if not body:
        raise ArticleError(path, end + 1, "the article has no text after its front matter")
    if len(body) > MAX_BODY:
        raise ArticleError(path, end + 2, f"the text is longer than {MAX_BODY} characters")
    return Article(id=article_id, language=language, title=title, reasons=tuple(reasons), channels=tuple(channels),
                   audience=audience, tier=int(tier), owner=owner, reviewed=reviewed, review_days=review_days,
                   body=body, path=str(path))


def _field_line(path: str, name: str) -> int:
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{name}:"):
            return number
    return 1


def read_all(root: Path = SOURCES) -> list[Article]:
    """Every article under `root`, checked one by one and as translations of each other."""
    articles: list[Article] = []
    for path in sorted(root.glob("*/*.md")):
        shown = path.relative_to(root.parent.parent.parent) if root == SOURCES else path
        article = parse(path.read_text(encoding="utf-8"), shown)
        if path.stem != article.language:
            raise ArticleError(shown, _field_line(str(path), "language"),
                               f"a file named {path.name} must say language: {path.stem}")
        if path.parent.name != article.id:
            raise ArticleError(shown, _field_line(str(path), "id"),
                               f"an article in {path.parent.name}/ must say id: {path.parent.name}")
        articles.append(article)
    by_id: dict[str, dict[str, Article]] = {}
    for article in articles:
        by_id.setdefault(article.id, {})[article.language] = article
    for article_id, translations in sorted(by_id.items()):
        first = translations[min(translations)]
        missing = [language for language in LANGUAGES if language not in translations]
        if missing:
            raise ArticleError(first.path, 1, f"article {article_id} has no {', '.join(missing)} translation; "
                                              f"every article is written in {', '.join(LANGUAGES)}")
        reference = translations["en"]
        for _language, article in sorted(translations.items()):
            for name in SHARED:
                if getattr(article, name) != getattr(reference, name):
                    raise ArticleError(article.path, _field_line_in(article, name),
                                       f"{name} differs from the English article ({reference.path}); "
                                       f"translations share {', '.join(SHARED)}")
    return articles


def _field_line_in(article: Article, name: str) -> int:
    path = Path(article.path)
    if not path.is_absolute():
        path = SOURCES.parent.parent.parent / path
    return _field_line(str(path), name) if path.exists() else 1
