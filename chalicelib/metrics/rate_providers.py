"""The capabilities that derive KPI rates of their own in the metrics report (surveys'
CSAT and NPS, the clinic's no-shows, the knowledge base's deflection, the cases' SLA
met): chalicelib/wiring.py registers each as "module:function" (a function that
calls chalicelib.metrics.report.derive), since this layer never names the ones above
it; the report asks each once, when it is first read. Kept apart from the report, so
that registering costs an entry point nothing at cold start."""

from __future__ import annotations

_providers: list[str] = []
_loaded: set[str] = set()


def register(provider: str) -> None:
    """Add a rate provider ("module:function"); registering it again changes nothing."""
    if provider not in _providers:
        _providers.append(provider)


def load() -> None:
    """Ask every registered provider not asked yet to derive its rates."""
    import importlib

    for provider in _providers:
        if provider not in _loaded:
            module_name, _, function = provider.partition(":")
            getattr(importlib.import_module(module_name), function)()
            _loaded.add(provider)
