"""Figures: all drawn, deterministic to the byte, rewritten only when they change."""

import os

import pytest

pytest.importorskip("matplotlib", reason="figures need matplotlib (the docs extra)")

from rmsprop_ref import figures


def test_writes_every_figure_then_nothing(tmp_path):
    logged = []
    written = figures.write_all(tmp_path, log=logged.append)
    assert sorted(p.name for p in written) == sorted(figures.FIGURES)
    assert len(logged) == len(figures.FIGURES) and all("written" in line for line in logged)
    mtimes = {p: os.stat(p).st_mtime_ns for p in written}
    data = {p: p.read_bytes() for p in written}
    assert figures.write_all(tmp_path, log=lambda _: None) == []  # nothing changed, nothing written
    (tmp_path / figures.STAMP).unlink()  # without the stamp every figure is drawn and compared
    assert figures.write_all(tmp_path, log=lambda _: None) == []
    for p in written:
        assert os.stat(p).st_mtime_ns == mtimes[p]
        assert p.read_bytes() == data[p]


def test_a_changed_or_missing_figure_is_redrawn(tmp_path):
    figures.write_all(tmp_path, log=lambda _: None)
    (tmp_path / "effective_lr.svg").unlink()
    (tmp_path / "ewma_weights.svg").write_text("stale")
    (tmp_path / figures.STAMP).write_text("another version of the code")
    rewritten = figures.write_all(tmp_path, log=lambda _: None)
    assert sorted(p.name for p in rewritten) == ["effective_lr.svg", "ewma_weights.svg"]


def test_svg_has_no_date_and_keeps_text_as_text(tmp_path):
    (path,) = figures.write_all(tmp_path, ["adagrad_vs_rmsprop.svg"], log=lambda _: None)
    svg = path.read_text()
    assert "<dc:date>" not in svg
    assert "iteration</text>" in svg  # svg.fonttype = none: labels are <text>, not glyph paths


def test_same_bytes_in_a_fresh_process(tmp_path):
    import subprocess
    import sys

    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        subprocess.run([sys.executable, "-m", "rmsprop_ref.figures", str(out), "ewma_smoothing.svg"], check=True)
    assert (a / "ewma_smoothing.svg").read_bytes() == (b / "ewma_smoothing.svg").read_bytes()


def test_unknown_figure_name(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown figure\(s\) \['nope\.svg'\]"):
        figures.write_all(tmp_path, ["nope.svg"])


def test_cli_usage():
    assert figures.main([]) == 2
    assert figures.main(["--help"]) == 0
