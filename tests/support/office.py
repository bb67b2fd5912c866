"""LibreOffice in tests: the program (a skip locally without it, a failure in CI) and a headless conversion."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    """The LibreOffice program; skips the test when it is not installed, fails it in CI (CI=true)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (libreoffice-calc-nogui) is needed in CI to check the workbooks")
        pytest.skip("LibreOffice is not installed")
    return found


def convert_with_libreoffice(path: Path, target: str, out_dir: Path) -> list[Path]:
    """``path`` converted headless to ``target`` (a format, e.g. ``pdf`` or a CSV filter spec) into ``out_dir``:
    the files there named after ``path`` (other than ``path`` itself), sorted by name.

    Each call uses its own LibreOffice profile under ``out_dir``, so a test never waits on another's
    instance or finds a profile left behind by a crashed one.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    result = subprocess.run(
        [soffice(), "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", target,
         "--outdir", str(out_dir), str(path)], capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    produced = sorted(p for p in out_dir.iterdir()
                      if p.is_file() and p.stem.startswith(path.stem) and p.resolve() != path.resolve())
    assert produced, result.stdout + result.stderr
    return produced
