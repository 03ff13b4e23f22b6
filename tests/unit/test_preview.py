"""`python -m devkit.preview`: any message, any language, sample data, no AWS."""

from __future__ import annotations

import pytest

from devkit import preview


def test_preview_writes_both_parts_and_prints_the_subject(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(preview, "OUT", tmp_path)
    assert preview.main(["return_label", "hu"]) == 0
    printed = capsys.readouterr().out
    assert "Subject: Visszaküldés – rendelés: 100-4821, AWB: FAN-7781-2290-RO" in printed
    assert "FAN-7781-2290-RO" in (tmp_path / "return_label.hu.txt").read_text(encoding="utf-8")
    assert '<html lang="hu">' in (tmp_path / "return_label.hu.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "complaint"), [(["nope", "en"], "unknown message"),
                                                 (["case_opened", "fr"], "unknown language")])
def test_preview_names_what_it_does_not_know(tmp_path, monkeypatch, args, complaint):
    monkeypatch.setattr(preview, "OUT", tmp_path)
    with pytest.raises(SystemExit, match=complaint):
        preview.main(args)
