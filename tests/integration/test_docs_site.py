"""The documentation site as a reader gets it: built in strict mode (a broken link, an
unknown anchor or a missing page fails the build), offline, with every setting and
every route of the app in its references."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import fields

import pytest
import yaml

from devkit import localenv

PROJECT = localenv.PROJECT


def build(config, site):
    """`mkdocs build --strict` as `make docs` runs it; the process's answer and output."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=PROJECT, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False)


def text_of(page):
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    result = build(PROJECT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@pytest.fixture
def docs_copy(tmp_path):
    """The site's sources copied, to break them."""
    shutil.copytree(PROJECT / "docs", tmp_path / "docs")
    config = yaml.safe_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    config.update(docs_dir=str(tmp_path / "docs"), hooks=[str(PROJECT / "devkit" / "docs_hooks.py")])
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


def test_every_page_of_the_navigation_is_built_and_the_readme_links_only_to_pages_that_exist(site):
    config = yaml.safe_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = re.findall(r"([\w-]+)\.md", str(config["nav"]))
    assert len(pages) >= 20
    for page in pages:
        assert (site / f"{page}.html").is_file(), page
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (PROJECT / target).is_file(), target


def test_the_configuration_reference_has_every_setting_with_its_default_and_range(site):
    from chalicelib import settings

    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", (site / "configuration.html").read_text(encoding="utf-8"), re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                 for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        if cells:
            rows[cells[0]] = cells
    for field in fields(settings.Settings):
        name = "AWS_REGION" if field.name == "region" else field.name.upper()
        _, default, meaning = rows[name]
        assert meaning, name
        if field.name in settings._REQUIRED:
            assert default == "required", name
        if field.name in settings._INT_RANGES:
            low, high = settings._INT_RANGES[field.name]
            assert default == str(field.default) and f"({low}–{high})" in meaning, name
    for name in settings.OTHER_VARIABLES:
        assert rows[name][2], name


def test_the_api_reference_has_every_route_and_method_of_the_app(site):
    from app import app

    reference = text_of(site / "api.html")
    for path, methods in app.routes.items():
        for method in methods:
            assert f"{method} {path}" in reference, f"{method} {path}"


def test_the_site_reads_offline_nothing_is_fetched_from_elsewhere(site):
    for page in [*site.rglob("*.html"), *site.rglob("*.css")]:
        source = page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|img|iframe)[^>]+src=\"(https?:)?//", source), page
        assert not re.search(r"<link[^>]+href=\"(https?:)?//", source), page
        assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", source), page
        assert "fonts.googleapis" not in source and "fonts.gstatic" not in source, page


def test_the_pictures_of_the_front_door_are_in_the_site(site):
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]+\]\(docs/(images/[\w.-]+\.png)\)", readme)
    assert {"images/agent-panel.png", "images/floor.png"} <= set(pictures)
    for picture in pictures:
        assert (site / picture).stat().st_size > 10_000


def test_a_broken_link_fails_the_build_naming_it(docs_copy):
    page = docs_copy / "docs" / "surveys.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the forms](survey-forms.md).\n", encoding="utf-8")
    result = build(docs_copy / "mkdocs.yml", docs_copy / "site")
    assert result.returncode != 0
    assert "survey-forms.md" in result.stderr


def test_a_page_missing_from_the_sources_fails_the_build_naming_it(docs_copy):
    (docs_copy / "docs" / "operations.md").unlink()
    result = build(docs_copy / "mkdocs.yml", docs_copy / "site")
    assert result.returncode != 0
    assert "operations.md" in result.stderr


def test_an_unknown_anchor_fails_the_build(docs_copy):
    page = docs_copy / "docs" / "extending.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[Erasure](data-protection.md#forgetting)\n",
                    encoding="utf-8")
    result = build(docs_copy / "mkdocs.yml", docs_copy / "site")
    assert result.returncode != 0
    assert "forgetting" in result.stderr
