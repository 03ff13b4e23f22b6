"""Pictures of the pages people use, for the README and the documentation site:
`python -m devkit.screens` photographs `make serve`'s pages (the demo's data, Debian's
Chromium through Playwright) into docs/images/. Run it after a page changes and commit
the pictures."""

from __future__ import annotations

import contextlib
import io
import shutil
import sys

from devkit import localenv

IMAGES = localenv.PROJECT / "docs" / "images"
# (file, page, what to wait for): the agent panel for a known caller with history, and
# the live floor a supervisor watches.
SHOTS = [
    ("agent-panel.png", "/agent?contactId=5a1d0c3e-7b2f-4e6a-9c1d-a9e1c0de0002&lang=en", "#timeline li"),
    ("floor.png", "/dashboard/floor?lang=en", "table"),
]
# Callers waiting now, so the floor has something to show: (queue, channel, seconds waited).
# The queues are the local stage's Billing (alert at 90 s) and Sales (FLOOR_THRESHOLDS).
BILLING, SALES = "5f1c4c2e-9d4b-4a8e-b8d6-2b1e0c9a7f11", "7d2e1f3a-4b5c-4d6e-8f9a-0b1c2d3e4f50"
WAITING = [(BILLING, "VOICE", 104), (BILLING, "VOICE", 41), (BILLING, "CHAT", 12), (SALES, "VOICE", 25)]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def queue_callers() -> None:
    """Contact events of callers who are waiting now (queued, not yet answered)."""
    from datetime import timedelta

    from app import app
    from chalicelib.db import utcnow
    from devkit.demo.act_timeline import Contact
    from devkit.streams import Client

    now = utcnow()
    with Client(app, stage_name=localenv.STAGE) as client:
        for queue, channel, waited in WAITING:
            contact = Contact(channel, now - timedelta(seconds=waited + 5), queue, None, waited)
            for event in contact.events():
                if event["detail"]["eventType"] != "DISCONNECTED":
                    client.lambda_.invoke("on_contact_event", event)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Chromium is not installed: `make browser` installs it (as root).")
        return 1
    from playwright.sync_api import sync_playwright

    from devkit.serve import demo_site

    IMAGES.mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stderr(io.StringIO()), demo_site() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 700}, locale="en-GB")
        page.set_default_timeout(15_000)
        queue_callers()
        for file, path, ready in SHOTS:
            page.goto(base + path)
            page.locator(ready).first.wait_for()
            # The page's content, no more than a screen of it: small files, no empty margin.
            height = page.evaluate("Math.ceil(document.body.getBoundingClientRect().bottom) + 16")
            page.screenshot(path=str(IMAGES / file), clip={"x": 0, "y": 0, "width": 900, "height": min(height, 700)})
            print(f"docs/images/{file}: {base}{path}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
