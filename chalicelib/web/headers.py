"""The headers every page for people is answered with: no inline script, nothing
framed unless the page is meant to be (the agent panel, by the agent workspace),
`no-store` (the pages show personal data or the business's figures), no referrer.
A page names only the sources it needs beyond that."""

from __future__ import annotations

import json

SCRIPT_HEADERS = {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store",
                  "Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"}


def page_headers(*, script: str = "'self'", style: str = "'unsafe-inline'", connect: str | None = "'self'",
                 img: str | None = None, frame_ancestors: str = "'none'") -> dict[str, str]:
    """An HTML page's headers; its Content-Security-Policy allows nothing by default
    and these sources only (None leaves a directive out: nothing of that kind)."""
    directives = {"default-src": "'none'", "script-src": script, "style-src": style, "connect-src": connect,
                  "img-src": img, "frame-ancestors": frame_ancestors, "base-uri": "'none'", "form-action": "'none'"}
    policy = "; ".join(f"{name} {sources}" for name, sources in directives.items() if sources)
    return {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
            "Content-Security-Policy": policy, "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def script_json(value: object) -> str:
    """JSON safe inside an HTML attribute or element: no `<`, `>` or `&` as such."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026")
