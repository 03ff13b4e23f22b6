"""Render any e-mail template in any language with its sample data, no AWS needed.

    python -m devkit.preview survey_invitation hu
    python -m devkit.preview appointment_reminder en-US --zone America/New_York
    python -m devkit.preview all            # every message in every language

Prints the subject and the plain-text part, and writes both parts to
out/preview/<message>.<language>.html and .txt to open in a browser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devkit import localenv

OUT = Path("out") / "preview"


def _render(name: str, language: str, zone: str) -> tuple[str, str, str]:
    from chalicelib.errors import InvalidInput
    from chalicelib.notify import messages
    from chalicelib.notify.render import LANGUAGES, locale_for, render
    from chalicelib.notify.ses import EmailSender
    from chalicelib.settings import get_settings

    emails = [kind.name for kind in messages.on_channel("email")]
    if name not in emails:
        raise SystemExit(f"unknown message {name!r} (e-mail messages: {', '.join(emails)})")
    if language.split("-")[0].lower() not in LANGUAGES:
        raise SystemExit(f"unknown language {language!r}; languages: {', '.join(LANGUAGES)} (or a tag like ro-RO)")
    kind = messages.TYPES[name]
    settings = get_settings()
    unsubscribe = (f"{settings.public_base_url}/unsubscribe/sample-token"
                   if kind.purpose != messages.TRANSACTIONAL else None)
    try:
        rendered = render("email", kind, messages.check_variables(kind, kind.sample), locale=locale_for(language),
                          time_zone=zone, brand=EmailSender(settings).brand,
                          first_name=None if kind.audience == messages.STAFF else "Ana",
                          unsubscribe_url=unsubscribe)
    except InvalidInput as e:
        raise SystemExit(f"{name} ({language}) does not render: {e.message}") from None
    return rendered.subject, rendered.html, rendered.text


def _write(name: str, language: str, zone: str, quiet: bool) -> None:
    subject, html, text = _render(name, language, zone)
    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / f"{name}.{language}"
    stem.with_suffix(stem.suffix + ".html").write_text(html, encoding="utf-8")
    stem.with_suffix(stem.suffix + ".txt").write_text(f"Subject: {subject}\n\n{text}", encoding="utf-8")
    if quiet:
        print(f"{name:<26} {language:<6} {subject}")
    else:
        print(f"Subject: {subject}\n\n{text}")
        print(f"(written to {stem}.html and {stem}.txt)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("message", help="message type (e.g. survey_invitation), or 'all'")
    parser.add_argument("language", nargs="?", default="en", help="en, ro, it, hu or a tag such as en-US")
    parser.add_argument("--zone", default="Europe/Bucharest", help="the recipient's time zone")
    args = parser.parse_args(argv)
    localenv.apply()
    if args.message == "all":
        from chalicelib.notify import messages
        from chalicelib.notify.render import LANGUAGES

        for kind in messages.on_channel("email"):
            for language in LANGUAGES:
                _write(kind.name, language, args.zone, quiet=True)
        print(f"(written to {OUT}/)")
        return 0
    _write(args.message, args.language, args.zone, quiet=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
