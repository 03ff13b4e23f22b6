"""Every setting the code reads is documented where the configuration reference is
generated from (chalicelib/settings.py: the docstring under each field, and
OTHER_VARIABLES for the variables read elsewhere), and the e-mail page lists every
message type. The site's own test checks the built reference shows them all."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from chalicelib import settings
from chalicelib.notify import messages
from devkit import docs_hooks, localenv

MEANINGS = docs_hooks.setting_docstrings()


@pytest.mark.parametrize("name", [f.name for f in fields(settings.Settings)])
def test_every_setting_says_what_it_means_under_its_field(name):
    assert len(MEANINGS.get(name, "").split()) >= 2, f"{name} has no docstring in chalicelib/settings.py"


def test_the_generated_reference_has_a_row_per_setting_with_its_range():
    table = docs_hooks.settings_table()
    for field in fields(settings.Settings):
        row = next((line for line in table.splitlines() if line.startswith(f"| `{docs_hooks.variable(field.name)}` |")),
                   None)
        assert row is not None, field.name
        if field.name in settings._INT_RANGES:
            low, high = settings._INT_RANGES[field.name]
            assert row.endswith(f"({low}–{high}) |"), row


def test_variables_read_when_the_app_is_packaged_are_documented():
    source = (localenv.PROJECT / "app.py").read_text(encoding="utf-8")
    read = re.findall(r'os\.environ\.get\("([A-Z_]+)"', source)
    assert read
    assert set(read) <= set(settings.OTHER_VARIABLES)


def test_variables_read_outside_the_settings_are_documented():
    names = {field.name.upper() for field in fields(settings.Settings)}
    for module in (localenv.PROJECT / "chalicelib").rglob("*.py"):
        for name in re.findall(r'os\.environ(?:\.get\(|\[)"([A-Z_]+)"', module.read_text(encoding="utf-8")):
            assert name in names or name in settings.OTHER_VARIABLES, f"{name} ({module.name})"


def test_the_powertools_settings_of_the_config_are_documented():
    for name in [k for k in localenv.stage_environment("prod") if k.startswith("POWERTOOLS_")]:
        assert name in settings.OTHER_VARIABLES


@pytest.mark.parametrize("type_name", sorted(messages.TYPES))
def test_every_message_type_is_listed(type_name):
    page = (localenv.PROJECT / "docs" / "email.md").read_text(encoding="utf-8")
    listing = page[page.index("- **Messages**"):page.index("- **Templates**")]
    assert f"`{type_name}`" in listing
