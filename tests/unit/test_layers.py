"""The declared layers of chalicelib (pyproject.toml, [tool.importlinter]) hold, and
`lint-imports` in `make test` refuses a package that reaches upward, even from inside
a function."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=tree, env=env, capture_output=True, text=True)


def _copy_of_the_code(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "chalicelib", tmp_path / "chalicelib",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_as_it_is_keeps_its_layers(tmp_path):
    # Given the code as committed
    tree = _copy_of_the_code(tmp_path)
    # When the import contracts are checked
    result = _lint(tree)
    # Then every contract is kept
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_inside_a_function_breaks_the_build(tmp_path):
    # Given a platform module that reaches up to a capability from inside a function
    tree = _copy_of_the_code(tmp_path)
    db = tree / "chalicelib" / "db.py"
    db.write_text(db.read_text() + "\n\ndef _upward():\n    from chalicelib.surveys import service\n\n"
                  "    return service\n")
    # When the import contracts are checked
    result = _lint(tree)
    # Then the check fails and names the import that broke the layers
    assert result.returncode != 0
    assert "chalicelib.db is not allowed to import chalicelib.surveys" in result.stdout
    assert "chalicelib.db -> chalicelib.surveys.service" in result.stdout


def _layer_of() -> dict[str, int]:
    """Each top-level chalicelib package or module and its layer's rank, the top first."""
    import tomllib

    layers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    return {name.strip(" ()"): rank for rank, layer in enumerate(layers) for name in re.split(r"[:|]", layer)}


def _named_upward(tree: Path) -> list[str]:
    """"chalicelib.x.y:attr" strings (handlers and plug-ins loaded by name, which
    import-linter cannot see) that name a package in a layer above their own."""
    rank = _layer_of()
    found = []
    for path in sorted((tree / "chalicelib").rglob("*.py")):
        source = path.relative_to(tree / "chalicelib").parts[0].removesuffix(".py")
        if source == "wiring":  # the top: where the names are meant to be
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"chalicelib(\.\w+)+:\w+", node.value):
                target = node.value.split(".")[1].split(":")[0]
                if rank[target] < rank[source]:
                    found.append(f"{path.relative_to(tree)}: {node.value}")
    return found


def test_a_handler_named_by_a_string_is_in_a_layer_below_too():
    # Given every handler, holder or plug-in chalicelib names as "module:attribute"
    # Then outside chalicelib/wiring.py none names a package above its own
    assert _named_upward(ROOT) == []


def test_a_string_naming_a_package_above_is_caught(tmp_path):
    # Given the metrics report naming a capability's function to load by name
    tree = _copy_of_the_code(tmp_path)
    report = tree / "chalicelib" / "metrics" / "report.py"
    report.write_text(report.read_text() + '\n\nPROVIDER = "chalicelib.surveys.scoring:register_rates"\n')
    # When the names are checked
    # Then that one is refused, and import-linter alone would not have seen it
    assert _named_upward(tree) == ['chalicelib/metrics/report.py: chalicelib.surveys.scoring:register_rates']
    assert _lint(tree).returncode == 0
