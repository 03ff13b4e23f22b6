"""Pages photographed in Debian's Chromium for out/screens/, as a person sees them."""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devkit.demo.stage import OUT, Stage

SCREENS = OUT / "screens"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@contextmanager
def browser_page(stage: Stage, viewport: dict[str, int], locale: str = "en-GB") -> Iterator[tuple[Any, str, Path]]:
    """(a Chromium tab, the app's base URL on loopback, out/screens/); the tab is None
    when Chromium is not installed, which the transcript says."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        stage.transcript.say("Chromium is not installed: no screenshots (`make test` installs it, as root).")
        yield None, "", SCREENS
        return
    from playwright.sync_api import sync_playwright

    from app import app
    from devkit.serve import http_server

    SCREENS.mkdir(parents=True, exist_ok=True)
    # The local server's request lines would interleave with the transcript.
    with contextlib.redirect_stderr(io.StringIO()), http_server(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        page = browser.new_page(viewport=viewport, locale=locale)
        page.set_default_timeout(10_000)
        try:
            yield page, base, SCREENS
        finally:
            browser.close()
