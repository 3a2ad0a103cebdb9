"""The built package carries every file the app reads besides Python, so a `pip install` serves
the pages, their icons and the dashboards' charts with no npm and no source checkout (decision
0034). Builds a real wheel with pip, from a copy of the sources."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def source_files_besides_python() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "cwtt").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".py", ".pyc"}
    }


def test_the_wheel_carries_chart_js_and_every_template_and_static_file(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "cwtt", source / "cwtt", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("cwtt-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "cwtt/dashboards/static/vendor/chartjs/chart.umd.min.js" in names
    assert "cwtt/dashboards/static/vendor/chartjs/LICENSE.md" in names
    assert "cwtt/web/static/web/icon-192.png" in names
    missing = source_files_besides_python() - names
    assert not missing, f"add their kind to [tool.setuptools.package-data]: {sorted(missing)}"
    # The packaged Chart.js is the file the tests compare with package-lock.json's version.
    packaged = zipfile.ZipFile(wheel).read("cwtt/dashboards/static/vendor/chartjs/chart.umd.min.js")
    assert (
        packaged == (ROOT / "cwtt/dashboards/static/vendor/chartjs/chart.umd.min.js").read_bytes()
    )
