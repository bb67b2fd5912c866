"""Screenshots of the main screens, for the eye and for the "nothing cut off" check.

Usage::

    python tools/screenshots.py --out /tmp/shots            # both languages, 100 % and 150 %

Each (language, scale) pair runs in its own process, because Qt reads ``QT_SCALE_FACTOR`` once when
the application starts. The window is sized so that it fills a 1366×768 screen at that scale
(911×512 logical pixels at 150 %). A fresh SQLite database with demo data is made in a temporary
folder (or reused with ``--database``). Besides the PNGs, every child lists the widgets whose text
does not fit (``ui.screen_fit.fit_problems``) and exits 1 if anything does not.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

LANGUAGES = ("zh_CN", "en")
SCALES = ("1", "1.5")
#: A branch supervisor sees every branch page; the (HQ) administrator the administration and audit pages.
USERS = ("sh01.supervisor", "admin")


def _make_database(folder: Path) -> Path:
    path = folder / "screenshots.sqlite3"
    url = f"sqlite:///{path}"
    subprocess.run([sys.executable, "-m", "desk_app", "--database-url", url, "demo-data", "--count", "400",
                    "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
    return path


def _child(database: Path, out: Path, language: str, scale: str, username: str) -> int:
    """Runs in its own process: sign in, visit each screen, save a PNG of each."""
    from PySide6.QtWidgets import QApplication

    from desk_app.config import AppConfig
    from ui.app import application, open_database, wait_for_tasks
    from ui.context import AppContext, local_backend
    from ui.i18n import LanguageSupport, switch_language
    from ui.main_window import MainWindow
    from ui.screen_fit import fit_problems, logical_screen

    app = application([])
    LanguageSupport(app).install()
    switch_language(language)
    config = AppConfig(db_url=f"sqlite:///{database}")
    db, revision = open_database(config)
    backend = local_backend(db)
    window = MainWindow(AppContext(config, backend, revision), backend.sign_in(username, "demo2026"))
    window_size = logical_screen(float(scale))
    window.resize(*window_size)
    window.show()

    def settle() -> None:
        for _ in range(3):
            wait_for_tasks()
            app.processEvents()

    problems: list[str] = []

    def shoot(name: str) -> None:
        settle()
        window.grab().save(str(out / f"{username}-{name}-{language}-{scale}x.png"))
        problems.extend(f"{name}: {p}" for p in fit_problems(window, window.pages, window_size))

    settle()
    for row in range(window.navigation.count()):
        window.navigation.setCurrentRow(row)
        shoot(f"page{row}")
    overview = window.overview_page.overview
    if overview is not None and overview.urgent:
        window.open_case_number(overview.urgent[0].case_number)
        shoot("case")
    for line in problems:
        print(line)
    window.close()
    settle()
    db.dispose()
    QApplication.quit()
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--database", type=Path, help="an existing demo database (default: make one)")
    parser.add_argument("--child", nargs=3, metavar=("LANGUAGE", "SCALE", "USER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child:
        return _child(args.database, args.out, *args.child)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or _make_database(Path(tmp))
        status = 0
        for language, scale, username in itertools.product(LANGUAGES, SCALES, USERS):
            env = dict(os.environ, QT_SCALE_FACTOR=scale, QT_QPA_PLATFORM=os.environ.get(
                "QT_QPA_PLATFORM", "offscreen"))
            print(f"== {username}, {language} at {scale}×", flush=True)
            status |= subprocess.run([sys.executable, __file__, "--out", str(args.out), "--database",
                                      str(database), "--child", language, scale, username], env=env).returncode
        return status


if __name__ == "__main__":
    sys.exit(main())
