"""The README's configuration table and message list are what the code reads: every
setting, its range, the package-time variables and every message type."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from chalicelib import settings
from chalicelib.notify import messages
from devkit import localenv

README = (localenv.PROJECT / "README.md").read_text(encoding="utf-8")
TABLE = README[README.index("## Configuration"):README.index("## Benchmark")]


def variable(field_name: str) -> str:
    return "AWS_REGION" if field_name == "region" else field_name.upper()


def row(name: str) -> str:
    found = [line for line in TABLE.splitlines() if line.startswith("|") and f"`{name}`" in line.split("|")[1]]
    assert found, f"{name} is not in the README's configuration table"
    return found[0]


@pytest.mark.parametrize("name", [variable(f.name) for f in fields(settings.Settings)])
def test_every_setting_is_in_the_configuration_table(name):
    row(name)


@pytest.mark.parametrize(("name", "bounds"), sorted(settings._INT_RANGES.items()))
def test_every_range_the_code_enforces_is_stated(name, bounds):
    low, high = bounds
    assert f"({low}–{high})" in row(name.upper())


def test_variables_read_when_the_app_is_packaged_are_documented():
    source = (localenv.PROJECT / "app.py").read_text(encoding="utf-8")
    for name in re.findall(r'os\.environ\.get\("([A-Z_]+)"', source):
        row(name)


def test_the_powertools_settings_of_the_config_are_documented():
    for name in [k for k in localenv.stage_environment("prod") if k.startswith("POWERTOOLS_")]:
        row(name)


@pytest.mark.parametrize("type_name", sorted(messages.TYPES))
def test_every_message_type_is_listed(type_name):
    listing = README[README.index("- **Messages**"):README.index("- **Templates**")]
    assert f"`{type_name}`" in listing
