"""Screenshots of the main screens and of every dialog, for the eye and for the "nothing cut off" check.

Usage::

    python tools/screenshots.py --out docs/screenshots     # both languages, 100 % and 150 %

Each (language, scale) pair runs in its own process, because Qt reads ``QT_SCALE_FACTOR`` once when
the application starts. The window is sized so that it fills a 1366×768 screen at that scale
(911×512 logical pixels at 150 %), and the dialogs see that screen too. A fresh SQLite database with demo
data is made in a temporary folder (or reused with ``--database``).

Pages are saved as ``<page>-<language>-<scale>x.png``; dialogs, opened as ``ui.dialog_gallery`` opens them
for the screen-fit and key tests, plus the first-run wizard's pages, as ``dialog-<name>-<language>-<scale>x.png``
(what the supervisor sees is not shot again for the administrator). PNGs are reduced to a 256-colour palette
when Pillow is installed (it comes with reportlab). Besides the PNGs, every child lists the widgets whose text
does not fit (``ui.screen_fit.fit_problems`` and ``dialog_problems``) and exits 1 if anything does not.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
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


def slug(name: str) -> str:
    """A file-name part: "approval (approve compensation)" → "approval-approve-compensation"."""
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"([a-z])([A-Z])", r"\1-\2", name).lower()).strip("-")


def optimise(path: Path) -> None:
    """Rewrite ``path`` as a palette PNG (a screenshot has few colours; about a third of the size)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with reportlab
        return
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


def _child(database: Path, out: Path, language: str, scale: str, username: str) -> int:
    """Runs in its own process: sign in, visit each screen and open each dialog, save a PNG of each."""
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QScrollArea, QWidget

    from desk_app.config import AppConfig
    from desk_app.services.complaints import find_by_number
    from ui import screen_fit
    from ui.app import application, open_database, wait_for_tasks
    from ui.context import AppContext, local_backend
    from ui.dialog_gallery import every_dialog
    from ui.dialogs.first_run_wizard import FirstRunWizard
    from ui.i18n import LanguageSupport, switch_language
    from ui.main_window import MainWindow
    from ui.screen_fit import dialog_problems, fit_problems, logical_screen

    app = application([])
    LanguageSupport(app).install()
    switch_language(language)
    window_size = logical_screen(float(scale))
    screen_fit.available_size = lambda _widget: window_size  # type: ignore[assignment]  # the 1366×768 screen
    config = AppConfig(db_url=f"sqlite:///{database}")
    db, revision = open_database(config)
    backend = local_backend(db)
    actor = backend.sign_in(username, "demo2026")
    window = MainWindow(AppContext(config, backend, revision), actor)
    window.resize(*window_size)
    window.show()

    def settle() -> None:
        for _ in range(3):
            wait_for_tasks()
            app.processEvents()

    problems: list[str] = []

    def no_message_box(box: QMessageBox) -> int:  # an error shown while shooting: noted, never waited for
        problems.append(f"message box: {box.text()} {box.informativeText()}")
        return int(QMessageBox.StandardButton.Ok.value)

    QMessageBox.exec = no_message_box  # type: ignore[assignment,method-assign]

    def shot(name: str) -> Path | None:
        """Where ``name`` goes; None when the supervisor's run (the first user) has shot it already."""
        path = out / f"{name}-{language}-{scale}x.png"
        return None if username != USERS[0] and path.exists() else path

    def save(widget: QWidget, path: Path) -> None:
        widget.grab().save(str(path))
        optimise(path)

    def shoot(name: str) -> None:
        settle()
        if (path := shot(name)) is not None:
            save(window, path)
            problems.extend(f"{name}: {p}" for p in fit_problems(window, window.pages, window_size))

    def shoot_dialog(name: str, dialog: QWidget) -> None:
        if (path := shot(f"dialog-{slug(name)}")) is None:
            return
        dialog.show()
        settle()
        save(dialog, path)
        problems.extend(f"dialog {name}: {p}" for p in dialog_problems(dialog, window_size))

    settle()
    for row in range(window.navigation.count()):
        window.navigation.setCurrentRow(row)
        settle()
        page = window.pages.currentWidget()
        inner = page.widget() if isinstance(page, QScrollArea) else page
        inner = getattr(inner, "page", None) or inner  # a LazyPage stands for the page it builds when shown
        shoot(slug(type(inner).__name__.removesuffix("Page")) if inner is not None else f"page{row}")
    overview = window.overview_page.overview
    case_id = None
    if overview is not None and overview.urgent:
        number = overview.urgent[0].case_number
        window.open_case_number(number)
        shoot("case")
        case_id = backend.call(actor, find_by_number, number).id
    for name, make in every_dialog(window, case_id):
        dialog = make()
        shoot_dialog(name, dialog)
        if isinstance(dialog, QDialog):
            dialog.reject()
        dialog.deleteLater()
        settle()
    if username == USERS[0]:
        wizard = FirstRunWizard()
        wizard.show()
        for page_id in wizard.pageIds():
            wizard.setStartId(page_id)
            wizard.restart()
            shoot_dialog(f"wizard {type(wizard.page(page_id)).__name__}", wizard)
        wizard.close()
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
