"""The declared layers of chalicelib (pyproject.toml, [tool.importlinter]) hold, and
`lint-imports` in `make test` refuses a package that reaches upward, even from inside
a function."""

from __future__ import annotations

import os
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
