"""Front-end files shipped under chalicelib/static/vendor/ are the ones their pinned
sources build (make vendor): each listed with its packages, licence and checksum."""

from __future__ import annotations

import json

from devkit.vendor import MANIFEST, VENDOR, sha256


def test_every_vendored_file_matches_its_recorded_checksum_and_has_its_licence():
    files = json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]
    assert files
    for entry in files:
        assert sha256(VENDOR / entry["file"]) == entry["sha256"], f"{entry['file']} changed outside make vendor"
        assert entry["packages"] and entry["licence"]
        assert "Apache License" in (VENDOR / entry["licenceFile"]).read_text(encoding="utf-8")


def test_nothing_is_vendored_without_a_record():
    listed = {MANIFEST.name}
    for entry in json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]:
        listed |= {entry["file"], entry["licenceFile"]}
    assert {path.name for path in VENDOR.iterdir()} == listed
