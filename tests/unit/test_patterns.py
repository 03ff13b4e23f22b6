"""Every pattern that validates input rejects a trailing newline: `$` matches before a
final newline, so an id like `APT-NL\\n` would pass a check and then be stored."""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "chalicelib").rglob("*.py"), ROOT / "app.py"])
_FUNCTIONS = {"compile", "match", "fullmatch", "search"}


def patterns() -> list[tuple[str, str]]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _FUNCTIONS and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "re" and node.args):
                text = "".join(part.value for part in ast.walk(node.args[0])
                               if isinstance(part, ast.Constant) and isinstance(part.value, str))
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
    return found


def test_the_source_has_patterns_to_check():
    assert len(patterns()) > 20


@pytest.mark.parametrize(("where", "pattern"), patterns())
def test_no_pattern_anchors_with_a_dollar(where, pattern):
    # an unescaped $ outside a character class
    bare = re.sub(r"\\.", "", re.sub(r"\[(?:\\.|[^\]\\])*\]", "", pattern))
    assert "$" not in bare, f"{where}: end the pattern with \\Z or use fullmatch"
