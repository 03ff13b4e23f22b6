"""MkDocs hooks of the documentation site (mkdocs.yml `hooks:`): the references are
generated when the site is built, from what the code itself reads, never typed twice.

- The configuration page: every field of `chalicelib.settings.Settings` (its variable,
  default, range and the docstring under the field) and the variables read outside it
  (`settings.OTHER_VARIABLES`, with app.py's defaults).
- The REST API page: from the OpenAPI document (`chalicelib.openapi.document()`) when
  the app has one, also written to the site as `openapi.json`; otherwise from the
  app's routes and their handlers' docstrings.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from dataclasses import MISSING, fields
from functools import cache
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
SETTINGS_PLACEHOLDER = "<!-- generated: settings -->"
API_PLACEHOLDER = "<!-- generated: api -->"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _project_on_path() -> None:
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# ---- configuration ----

def setting_docstrings() -> dict[str, str]:
    """The docstring under each field of Settings, by field name."""
    tree = ast.parse((PROJECT / "chalicelib" / "settings.py").read_text(encoding="utf-8"))
    cls = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Settings")
    found = {}
    for node, following in zip(cls.body, [*cls.body[1:], None], strict=True):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) \
                and isinstance(following.value.value, str):
            found[node.target.id] = following.value.value
    return found


def variable(field_name: str) -> str:
    return "AWS_REGION" if field_name == "region" else field_name.upper()


def settings_table() -> str:
    _project_on_path()
    from chalicelib import settings

    meanings = setting_docstrings()
    app_defaults = dict(re.findall(r'os\.environ\.get\("([A-Z_]+)", "([^"]*)"\)',
                                   (PROJECT / "app.py").read_text(encoding="utf-8")))
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for setting in fields(settings.Settings):
        if setting.name not in meanings:
            raise ValueError(f"{variable(setting.name)} has no docstring in chalicelib/settings.py")
        if setting.name in settings._REQUIRED:
            default = "required"
        elif setting.default is MISSING or setting.default == "":
            default = "—"
        elif isinstance(setting.default, bool):
            default = f"`{str(setting.default).lower()}`"
        else:
            default = f"`{setting.default}`"
        meaning = meanings[setting.name]
        if setting.name in settings._INT_RANGES:
            low, high = settings._INT_RANGES[setting.name]
            meaning = f"{meaning} ({low}–{high})"
        rows.append(f"| `{variable(setting.name)}` | {default} | {_cell(meaning)} |")
    for name, meaning in settings.OTHER_VARIABLES.items():
        default = f"`{app_defaults[name]}`" if app_defaults.get(name) else "—"
        rows.append(f"| `{name}` | {default} | {_cell(meaning)} |")
    return "\n".join(rows)


# ---- REST API ----

@cache
def openapi_document() -> dict[str, Any] | None:
    """The app's OpenAPI document, when the app describes itself (once per build process)."""
    _project_on_path()
    if "STAGE" not in os.environ:
        # The app reads its settings when it describes itself; a build outside a stage
        # describes the local one (the routes and fields are the same in every stage).
        from devkit import localenv

        localenv.apply()
    try:
        from chalicelib import openapi
    except ImportError:
        return None
    return openapi.document()


def _resolve(document: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def _type(document: dict[str, Any], schema: Any) -> str:
    schema = _resolve(document, schema)
    if not isinstance(schema, dict):
        return ""
    if "enum" in schema:
        return ", ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " or ".join(_type(document, option) for option in schema[key])
    kind = schema.get("type", "object" if "properties" in schema else "")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        kind = f"array of {_type(document, schema.get('items', {})) or 'values'}"
    bounds = [f"{label} {schema[key]}" for key, label in (
        ("minimum", "≥"), ("maximum", "≤"), ("minLength", "length ≥"), ("maxLength", "length ≤"),
        ("minItems", "items ≥"), ("maxItems", "items ≤")) if key in schema]
    if "pattern" in schema:
        bounds.append(f"pattern `{schema['pattern']}`")
    if "format" in schema:
        bounds.append(schema["format"])
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _schema_rows(document: dict[str, Any], schema: Any) -> list[str]:
    schema = _resolve(document, schema)
    if not isinstance(schema, dict) or not schema.get("properties"):
        return []
    required = set(schema.get("required", ()))
    rows = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    for name, prop in schema["properties"].items():
        prop = _resolve(document, prop)
        description = prop.get("description", "") if isinstance(prop, dict) else ""
        rows.append(f"| `{name}` | {_cell(_type(document, prop))} | {'yes' if name in required else ''} "
                    f"| {_cell(description)} |")
    return rows


def _operation(document: dict[str, Any], path: str, method: str, operation: dict[str, Any]) -> list[str]:
    lines = [f"### `{method.upper()} {path}`", ""]
    for key in ("summary", "description"):
        if operation.get(key):
            lines += [operation[key].strip(), ""]
    # An operation's own `security` wins over the document's; an empty one is public.
    security = operation.get("security", document.get("security", []))
    if not security:
        why = operation.get("x-public")
        lines += [f"Public: {why.rstrip('.')}." if isinstance(why, str) else "Public: no authorizer.", ""]
    else:
        lines += ["Behind the stage's authorizer (" + ", ".join(name for s in security for name in s) + ").", ""]
    fuzz = operation.get("x-fuzz")
    if fuzz:
        reason = fuzz.get("reason", "") if isinstance(fuzz, dict) else str(fuzz)
        lines += [f"Not fuzzed: {reason}", ""]
    parameters = [_resolve(document, p) for p in operation.get("parameters", [])]
    if parameters:
        lines += ["| parameter | in | type | required | meaning |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| `{p.get('name')}` | {p.get('in')} | {_cell(_type(document, p.get('schema', {})))} "
                  f"| {'yes' if p.get('required') else ''} | {_cell(p.get('description', ''))} |" for p in parameters]
        lines.append("")
    body = _resolve(document, operation.get("requestBody", {}))
    for media, content in (body.get("content") or {}).items():
        rows = _schema_rows(document, content.get("schema", {}))
        lines += [f"Request body ({media}):", ""]
        lines += [*rows, ""] if rows else [f"{_cell(_type(document, content.get('schema', {})))}", ""]
    responses = operation.get("responses", {})
    if responses:
        lines += ["| status | answer |", "| --- | --- |"]
        for status, response in responses.items():
            response = _resolve(document, response)
            lines.append(f"| {status} | {_cell(response.get('description', ''))} |")
        lines.append("")
    return lines


def api_from_openapi(document: dict[str, Any], described: dict[str, list[str]], titles: dict[str, str]) -> str:
    info = document.get("info", {})
    lines = [f"From the app's OpenAPI {document.get('openapi', '')} document "
             f"([`openapi.json`](openapi.json){', version ' + info['version'] if info.get('version') else ''}), "
             "which the app also serves at `GET /openapi.json`. Errors are JSON `{\"Code\", \"Message\"}`.", ""]
    if info.get("description"):
        lines += [info["description"].strip(), ""]
    for path, item in sorted(document.get("paths", {}).items()):
        lines += [f"## `{path}`", "", *_described(path, described, titles)]
        for method in METHODS:
            if method in item:
                lines += _operation(document, path, method, item[method])
    return "\n".join(lines)


def _described(path: str, described: dict[str, list[str]], titles: dict[str, str]) -> list[str]:
    pages = described.get(re.sub(r"\{[^}]*\}", "{}", path), [])
    return ["Described in " + ", ".join(f"[{titles[page]}]({page})" for page in pages) + ".", ""] if pages else []


def _route_pages(docs_dir: Path, titles: dict[str, str]) -> dict[str, list[str]]:
    """Where each route is described: the pages naming its path (parameters' names aside)."""
    texts = {page: re.sub(r"\{[^}]*\}", "{}", (docs_dir / page).read_text(encoding="utf-8")) for page in titles}
    found: dict[str, list[str]] = {}
    for page, text in texts.items():
        for path in re.findall(r"(/[\w{}./-]*[\w}])(?=[`?\s|),\\]|$)", text):
            found.setdefault(path, [])
            if page not in found[path]:
                found[path].append(page)
    return found


def api_from_routes(described: dict[str, list[str]], titles: dict[str, str]) -> str:
    """The routes as the app declares them: authorizer or public, the handler's word on
    it, and the pages that describe it."""
    _project_on_path()
    from app import app
    from chalicelib.http import PUBLIC_ROUTES

    lines = ["Every route of the app. Errors are JSON `{\"Code\", \"Message\"}`: 400 naming what is wrong, "
             "401 or 403 from the authorizer, 404, 409, 503 when AWS failed (retry).", ""]
    for path, entries in sorted(app.routes.items()):
        lines += [f"## `{path}`", ""]
        lines += [f"Public: {PUBLIC_ROUTES[path]}." if path in PUBLIC_ROUTES else "Behind the stage's authorizer.", ""]
        lines += _described(path, described, titles)
        for method, entry in sorted(entries.items()):
            doc = " ".join((entry.view_function.__doc__ or "").strip().split("\n\n")[0].split())
            lines.append(f"- `{method} {path}`" + (f": {doc}" if doc else ""))
        lines.append("")
    return "\n".join(lines)


# ---- MkDocs events ----

def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri == "configuration.md":
        if SETTINGS_PLACEHOLDER not in markdown:
            raise ValueError(f"configuration.md lost its {SETTINGS_PLACEHOLDER} line")
        markdown = markdown.replace(SETTINGS_PLACEHOLDER, settings_table())
    if page.file.src_uri == "api.md":
        if API_PLACEHOLDER not in markdown:
            raise ValueError(f"api.md lost its {API_PLACEHOLDER} line")
        document = openapi_document()
        titles = {file.src_uri: file.page.title for file in files.documentation_pages()
                  if file.page and file.src_uri not in ("api.md", "index.md")}
        described = _route_pages(Path(config["docs_dir"]), titles)
        reference = api_from_routes(described, titles) if document is None else \
            api_from_openapi(document, described, titles)
        markdown = markdown.replace(API_PLACEHOLDER, reference)
    return markdown


def on_files(files: Any, config: Any) -> Any:
    """The OpenAPI document beside the API page, for Postman, API Gateway or a client generator."""
    document = openapi_document()
    if document is not None:
        from mkdocs.structure.files import File

        files.append(File.generated(config, "openapi.json",
                                    content=json.dumps(document, indent=2, ensure_ascii=False) + "\n"))
    return files
