"""Front-end files shipped under chalicelib/static/vendor/ are the ones their pinned
sources build (make vendor): each listed with its packages, licence and checksum."""

from __future__ import annotations

import json

from devkit.localenv import PROJECT
from devkit.vendor import MANIFEST, VENDOR, sha256

# What each licence's text says of itself.
LICENCE_TEXT = {"Apache-2.0": "Apache License", "MIT": "The MIT License"}


def test_every_vendored_file_matches_its_recorded_checksum_and_has_its_licence():
    files = json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]
    assert files
    for entry in files:
        assert sha256(VENDOR / entry["file"]) == entry["sha256"], f"{entry['file']} changed outside make vendor"
        assert entry["packages"] and entry["licence"]
        assert LICENCE_TEXT[entry["licence"]] in (VENDOR / entry["licenceFile"]).read_text(encoding="utf-8")


def test_the_chart_library_is_the_pinned_uplot_release_with_its_mit_licence():
    files = {entry["file"]: entry for entry in json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]}
    lock = json.loads((PROJECT / "frontend" / "charts" / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/uplot"]["version"]
    for name in ("uplot.min.js", "uplot.min.css"):
        assert files[name]["packages"] == {"uplot": pinned} and files[name]["licence"] == "MIT"
    assert "uPlot" in (VENDOR / "uplot.min.js").read_text(encoding="utf-8")[:200]


def test_nothing_is_vendored_without_a_record():
    listed = {MANIFEST.name}
    for entry in json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]:
        listed |= {entry["file"], entry["licenceFile"]}
    assert {path.name for path in VENDOR.iterdir()} == listed
