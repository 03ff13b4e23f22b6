"""Pages tested as a person uses them: the app's real routes served on loopback
(devkit/serve.py, sharing this process's moto) and opened in Debian's Chromium,
driven by Playwright. `make test` installs the browser (tests/browser/README.md)."""

from __future__ import annotations

import shutil

import pytest

# Chromium started as the project's tests need it: headless, no sandbox (CI runs as
# root), and none of the background traffic a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium (as root).")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright gives each launch a fresh, temporary profile (--user-data-dir).
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(client):
    """The base URL of the app's routes on loopback, over this test's moto."""
    from app import app
    from devkit.serve import http_server

    with http_server(app) as base:
        yield base


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own cookies and storage), failing the test on a
    script error in the page."""
    context = browser.new_context(locale="ro-RO")
    tab = context.new_page()
    # A person gives up long before Playwright's 30 s: fail fast and say where.
    tab.set_default_timeout(5_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"the page raised: {errors}"
