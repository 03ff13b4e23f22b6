"""Split the long README into the documentation site under docs/, and write the short
README that stays at the front door: `python -m devkit.docs_split [--readme PATH]`.

Deterministic: the same README gives the same pages. Each `## ` section of the README
goes to the page PAGES names for it, with every `### ` inside it, unless that `### `
is named itself; a `## ` section nobody named gets a page of its own under
"Capabilities" (and the script says so). Pages listed with no sections (operations,
extending, the API reference) are written by hand and left alone. The navigation of
mkdocs.yml, between its `# nav:` markers, is written from the same table.

The configuration table is not copied: the configuration page is generated from
chalicelib/settings.py when the site is built (devkit/docs_hooks.py). A setting the
README's table describes whose field has no docstring yet gets the table's meaning as
its docstring; what cannot be moved that way (a row naming several settings, a
variable that is not a field) is printed, to be moved by hand.

Run it on the long README: once README.md is the front door (it carries FRONT_MARK),
give the long one with --readme, for example from git:
`git show <commit>:README.md > /tmp/long.md && python -m devkit.docs_split --readme /tmp/long.md`.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from markdown.extensions.toc import slugify

PROJECT = Path(__file__).resolve().parent.parent
DOCS = PROJECT / "docs"
FRONT_DOOR = PROJECT / "devkit" / "docs_front_door.md"
FRONT_MARK = "<!-- The front door; the documentation is in docs/ (devkit/docs_split.py wrote both). -->"
SETTINGS_PLACEHOLDER = "<!-- generated: settings -->"
API_PLACEHOLDER = "<!-- generated: api -->"


@dataclass
class Page:
    file: str
    title: str
    group: str
    # Headings (`## Title` or `### Title`, matched by prefix) whose sections make the page.
    sections: tuple[str, ...] = ()
    # A page title of its own; without one the first section's heading is the title.
    heading: str | None = None


# The site's pages, in navigation order. Pages without sections are written by hand; a
# page whose sections the README does not have (yet) is left out.
PAGES = [
    Page("index.md", "Home", ""),
    Page("getting-started.md", "Getting started", "", ("## Two commands",)),
    Page("architecture.md", "How it fits together", "", ("## How it fits together",)),
    Page("profiles.md", "Customers and profiles", "Capabilities",
         ("### Recognising a customer", "### Customer profiles API"), heading="Customers and profiles"),
    Page("memory.md", "Omnichannel memory", "Capabilities", ("## Omnichannel memory",)),
    Page("agent-panel.md", "Agent panel", "Capabilities", ("## Agents",)),
    Page("email.md", "E-mail", "Capabilities", ("## E-mail",)),
    Page("sms.md", "SMS", "Capabilities", ("## SMS",)),
    Page("surveys.md", "Surveys", "Capabilities", ("## Surveys",)),
    Page("retail-returns.md", "Retail returns", "Capabilities", ("## Retail returns",)),
    Page("clinic.md", "Clinic appointments", "Capabilities", ("## Clinic appointments",)),
    Page("verification.md", "Caller verification", "Capabilities", ("## Who is really calling",)),
    Page("floor.md", "Live floor", "Capabilities", ("## The live floor",)),
    Page("dashboard.md", "Dashboard", "Capabilities", ("## The dashboard",)),
    Page("quality.md", "Quality evaluations", "Capabilities", ("## Quality evaluations",)),
    Page("review.md", "Monthly review", "Capabilities", ("## The monthly review",)),
    Page("reasons.md", "Contact reasons", "Capabilities", ("## Why customers contact us",)),
    Page("wfm.md", "Workforce management", "Capabilities", ("## Workforce management",)),
    Page("knowledge.md", "Knowledge base", "Capabilities", ("## Knowledge base",)),
    Page("cases.md", "Cases", "Capabilities", ("## Cases",)),
    Page("configuration.md", "Configuration", "Reference", ("## Configuration",)),
    Page("api.md", "REST API", "Reference"),
    Page("deployment.md", "Deploying", "Running it", ("## Deploying",)),
    Page("contact-flows.md", "Contact flows", "Running it", ("### Contact flows",)),
    Page("operations.md", "Operations", "Running it"),
    Page("data-protection.md", "Data protection", "Running it", ("## Personal data",)),
    Page("extending.md", "Extending", "Development"),
    Page("development.md", "Development", "Development", ("## Development",)),
    Page("performance.md", "Performance", "Development", ("## Benchmark",)),
]
GROUP_ORDER = ["", "Capabilities", "Reference", "Running it", "Development"]


@dataclass
class Section:
    level: int
    title: str
    lines: list[str] = field(default_factory=list)  # heading line first


def parse(text: str) -> tuple[list[str], list[Section]]:
    """The README's lines before its first `## ` (title and introduction), and its `## `
    and `### ` sections in order. Headings inside fenced code are text."""
    preamble: list[str] = []
    found: list[Section] = []
    fence = None
    for line in text.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None:
            match = re.match(r"(#{2,3}) (.+)", line)
            if match:
                found.append(Section(len(match.group(1)), match.group(2).strip(), [line]))
                continue
        (found[-1].lines if found else preamble).append(line)
    return preamble, found


def _matches(pattern: str, section: Section) -> bool:
    level, _, title = pattern.partition(" ")
    return len(level) == section.level and section.title.startswith(title)


def assign(sections: list[Section], pages: list[Page]) -> tuple[dict[str, list[Section]], list[Page]]:
    """Each section's page: a `### ` named in PAGES goes there, any other goes with its
    `## `; a `## ` nobody named gets a page of its own."""
    placed: dict[str, list[Section]] = {page.file: [] for page in pages}
    extra: list[Page] = []
    current = None
    for section in sections:
        named = next((page for page in pages + extra for pattern in page.sections if _matches(pattern, section)), None)
        if section.level == 2:
            if named is None:
                named = Page(f"{slugify(section.title, '-')}.md", section.title.split(":")[0], "Capabilities",
                             (f"## {section.title}",))
                extra.append(named)
                placed[named.file] = []
                print(f"docs_split: '## {section.title}' is in no page of PAGES: written to docs/{named.file}")
            current = named
        elif named is None:
            named = current
        if named is None:
            raise SystemExit(f"docs_split: '### {section.title}' comes before any '## ' section")
        placed[named.file].append(section)
    return placed, extra


def _shift(lines: list[str], by: int) -> list[str]:
    out, fence = [], None
    for line in lines:
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None and re.match(r"#{2,6} ", line):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * max(1, hashes - by) + line[hashes:]
        out.append(line)
    return out


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _configuration(lines: list[str]) -> list[str]:
    """The configuration section without its table, which the site generates."""
    kept = [line for line in lines if not line.startswith("|")]
    at = next((i for i, line in enumerate(lines) if line.startswith("|")), len(lines))
    before = _trim(kept[:at])
    return [*before, "", SETTINGS_PLACEHOLDER, *kept[at:]]


def render(page: Page, sections: list[Section], anchors: dict[str, tuple[str, str]]) -> str:
    lines: list[str] = []
    if page.heading:
        lines += [f"# {page.heading}", ""]
    for number, section in enumerate(sections):
        body = section.lines
        if page.file == "configuration.md" and section.level == 2:
            body = _configuration(body)
        titled = page.heading is None and number == 0
        by = section.level - 1 if titled else section.level - 2
        lines += [*_trim(_shift(body, by)), ""]
    text = "\n".join(lines)
    return _relink(text, page.file, anchors).rstrip() + "\n"


def _github_slug(title: str) -> str:
    text = re.sub(r"[^\w\- ]", "", title.lower().replace("`", ""))
    return text.replace(" ", "-")


def _relink(text: str, file: str, anchors: dict[str, tuple[str, str]]) -> str:
    """README-internal links (#section) point at the page the section went to."""

    def fix(match: re.Match[str]) -> str:
        target = anchors.get(match.group(2))
        if target is None:
            raise SystemExit(f"docs_split: the README links to #{match.group(2)}, which is no heading")
        page, slug = target
        where = f"#{slug}" if page == file else f"{page}#{slug}"
        return f"]({where})"

    return re.sub(r"\]\((#)([^)\s]+)\)", fix, text)


def settings_rows(sections: list[Section]) -> dict[str, tuple[str, str]]:
    """The README configuration table: the variables each row names, with its default and meaning."""
    rows: dict[str, tuple[str, str]] = {}
    for section in sections:
        if not (section.level == 2 and section.title.startswith("Configuration")):
            continue
        for line in section.lines:
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if len(cells) != 3 or set(cells[0]) <= {"-", " "} or cells[0] == "variable":
                continue
            names = tuple(re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]))
            rows[", ".join(names)] = (cells[1], cells[2].replace("\\|", "|"))
    return rows


def _field_docstrings(source: str) -> tuple[ast.ClassDef, dict[str, ast.AnnAssign], set[str]]:
    tree = ast.parse(source)
    cls = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Settings")
    fields, documented = {}, set()
    for i, node in enumerate(cls.body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            fields[node.target.id] = node
            following = cls.body[i + 1] if i + 1 < len(cls.body) else None
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) \
                    and isinstance(following.value.value, str):
                documented.add(node.target.id)
    return cls, fields, documented


def _wrap(text: str, indent: str, width: int = 110) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    lines[0] = '"""' + lines[0]
    lines[-1] = lines[-1] + '"""'
    return [indent + line for line in lines]


def move_setting_meanings(rows: dict[str, tuple[str, str]], path: Path,
                          anchors: dict[str, tuple[str, str]]) -> list[str]:
    """Give every field the README describes, and that has no docstring yet, the row's
    meaning as its docstring. Answers the rows it could not move."""
    from chalicelib import settings

    source = path.read_text(encoding="utf-8")
    _, fields, documented = _field_docstrings(source)
    by_variable = {("AWS_REGION" if name == "region" else name.upper()): name for name in fields}
    inserts: list[tuple[int, list[str]]] = []
    left: list[str] = []
    for names, (default, meaning) in rows.items():
        variables = names.split(", ")
        wanted = [by_variable.get(variable) for variable in variables]
        if all(name in documented for name in wanted if name):
            if not all(wanted):
                left += [v for v, name in zip(variables, wanted, strict=True) if name is None
                         and v not in settings.OTHER_VARIABLES]
            continue
        if len(variables) != 1 or wanted[0] is None:
            left.append(names)
            continue
        name = wanted[0]
        low_high = settings._INT_RANGES.get(name)
        if low_high:
            meaning = re.sub(rf"\s*\({low_high[0]}–{low_high[1]}\)", "", meaning)
        meaning = _relink(meaning, "configuration.md", anchors)
        node = fields[name]
        plain = ("required", "—", "`true`", "`false`", f"`{getattr(node.value, 'value', '')}`")
        if default not in plain:
            note = f"Default: {default}" if default.startswith("`") else default[0].upper() + default[1:]
            meaning = f"{meaning.rstrip('.')}. {note}."
        inserts.append((node.end_lineno or node.lineno, _wrap(meaning, " " * node.col_offset)))
    lines = source.splitlines()
    for after, docstring in sorted(inserts, reverse=True):
        lines[after:after] = docstring
    if inserts:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"docs_split: {len(inserts)} setting meaning(s) moved into {path.relative_to(PROJECT)}")
    return left


def nav(pages: list[Page]) -> list[str]:
    lines = ["nav:"]
    for group in GROUP_ORDER:
        members = [page for page in pages if page.group == group]
        if group:
            lines.append(f"  - {group}:")
        lines += [f"{'      ' if group else '  '}- {page.title}: {page.file}" for page in members]
    return lines


def write_nav(pages: list[Page], path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = "# nav: written by devkit/docs_split.py", "# nav: end"
    before, _, rest = text.partition(start + "\n")
    _, _, after = rest.partition(end)
    path.write_text(before + start + "\n" + "\n".join(nav(pages)) + "\n" + end + after, encoding="utf-8")


def capabilities(pages: list[Page], prefix: str) -> str:
    return ", ".join(f"[{page.title}]({prefix}{page.file})" for page in pages if page.group == "Capabilities")


def front_door(preamble: list[str], pages: list[Page]) -> str:
    template = FRONT_DOOR.read_text(encoding="utf-8")
    title = next(line for line in preamble if line.startswith("# "))
    introduction = "\n".join(_trim([line for line in preamble if not line.startswith("# ")]))
    return FRONT_MARK + "\n" + template.replace("{title}", title).replace("{introduction}", introduction) \
        .replace("{capabilities}", capabilities(pages, "docs/"))


def _between(text: str, start: str, end: str, inside: str) -> str:
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    return f"{before}{start}\n{inside}\n{end}{after}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readme", type=Path, default=PROJECT / "README.md", help="the long README to split")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    if FRONT_MARK in text:
        print(f"docs_split: {args.readme} is already the front door; give the long README with --readme")
        return 1
    preamble, sections = parse(text)
    placed, extra = assign(sections, PAGES)
    pages = [page for page in PAGES + extra if placed[page.file] or not page.sections]
    anchors = {}
    for page in pages:
        for section in placed[page.file]:
            anchors[_github_slug(section.title)] = (page.file, slugify(section.title.replace("`", ""), "-"))
    DOCS.mkdir(exist_ok=True)
    for page in pages:
        if page.sections:
            (DOCS / page.file).write_text(render(page, placed[page.file], anchors), encoding="utf-8")
        elif not (DOCS / page.file).exists():
            raise SystemExit(f"docs_split: docs/{page.file} is written by hand and missing")
    # The front-door intro again on the home page, and the capabilities in its map of the site.
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    introduction = "\n".join(_trim([line for line in preamble if not line.startswith("# ")]))
    home = _between(home, "<!-- intro: from the README -->", "<!-- intro: end -->", introduction)
    listed = "\n".join(f"- [{page.title}]({page.file})" for page in pages if page.group == "Capabilities")
    home = _between(home, "<!-- capabilities -->", "<!-- capabilities: end -->", listed)
    (DOCS / "index.md").write_text(home, encoding="utf-8")
    write_nav(pages, PROJECT / "mkdocs.yml")
    left = move_setting_meanings(settings_rows(sections), PROJECT / "chalicelib" / "settings.py", anchors)
    for names in left:
        print(f"docs_split: move the meaning of {names} into chalicelib/settings.py by hand")
    (PROJECT / "README.md").write_text(front_door(preamble, pages), encoding="utf-8")
    written = sum(1 for page in pages if page.sections)
    print(f"docs_split: {written} pages written under docs/, README.md is the front door")
    return 0


if __name__ == "__main__":
    sys.exit(main())
