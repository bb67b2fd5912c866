"""Bad surroundings give a clear message and change nothing: a full disk under an export, a backup or a
batch of letters; a database file that is not a database; a PostgreSQL server that is down.

The full disk is real, not simulated: the command runs in a child process whose file-size limit
(RLIMIT_FSIZE, with SIGXFSZ ignored) makes every write past 16 KiB fail with EFBIG, as a full volume
fails with ENOSPC. The child opens the database before the limit is set (SQLite's shared-memory file
needs 32 KiB), then runs the real ``desk-cli`` command or service.
"""

from __future__ import annotations

import errno
import json
import socket
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from desk_app.__main__ import main
from desk_app.config import AppConfig
from desk_app.db.engine import make_engine
from desk_app.db.models import Branch, Complaint
from desk_app.db.uow import Database
from desk_app.documents.content import ReceiptInputs
from desk_app.domain.enums import LetterKind, Status
from desk_app.errors import DatabaseUnavailableError, DiskFullError, UserError
from desk_app.files import atomic_path, is_disk_full, write_bytes_atomic
from desk_app.services import letters
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from tests.db_digest import database_digest

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 16 * 1024
PERIOD = ("--from", "2021-01-01", "--to", "2030-12-31")


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def snapshot(url: str) -> str:
    """A digest of every row of every table."""
    db = Database(make_engine(url))
    try:
        return database_digest(db)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 demo cases and a few issued receipts, made once for the module."""
    path = tmp_path_factory.mktemp("demo") / "desk.sqlite3"
    assert main(["--language", "en", "--database-url", _url(path), "demo-data", "--count", "150", "--seed", "3"]) == 0
    db = Database(make_engine(_url(path)))
    try:
        clerk = authenticate(db, "sh01.clerk", DEMO_PASSWORD)
        with db.unit_of_work() as s:
            s.execute(update(Branch).where(Branch.id == clerk.branch_id).values(hotline="95588"))
            open_ids = s.scalars(select(Complaint.id).where(
                Complaint.branch_id == clerk.branch_id, Complaint.status == Status.REGISTERED.value).limit(3)).all()
        assert open_ids
        for cid in open_ids:
            letters.issue_letter(db, clerk, cid, LetterKind.RECEIPT, ReceiptInputs())
    finally:
        db.dispose()
    return path


def run_with_full_disk(db_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child whose writes past LIMIT bytes fail (after it has opened the database)."""
    prelude = textwrap.dedent(f"""
        import resource, signal, sqlite3, sys
        sys.dont_write_bytecode = True
        keep = sqlite3.connect({str(db_path)!r})
        keep.execute("SELECT count(*) FROM complaints").fetchall()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def cli_with_full_disk(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = ["--language", "en", "--database-url", _url(db_path), *args]
    return run_with_full_disk(db_path, f"""
        from desk_app.__main__ import main
        sys.exit(main({argv!r}))
    """)


def assert_disk_full_message(done: subprocess.CompletedProcess[str], target: Path) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    last = done.stderr.strip().splitlines()[-1]  # after any progress lines
    assert last.startswith("Error: ") and "the disk is full" in last and str(target) in last, done.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---- a full disk --------------------------------------------------------------------------------------

def test_detail_export_to_a_full_disk(demo_db: Path, tmp_path: Path) -> None:
    before = snapshot(_url(demo_db))
    out = tmp_path / "exports" / "明细.xlsx"
    done = cli_with_full_disk(demo_db, "export-report", *PERIOD, "--detail", "--out", str(out))
    assert_disk_full_message(done, out)
    assert leftovers(out.parent) == []  # neither the file nor its temporary copy
    assert snapshot(_url(demo_db)) == before
    # with room on the disk the same command works
    assert main(["--language", "en", "--database-url", _url(demo_db), "export-report", *PERIOD, "--detail",
                 "--out", str(out)]) == 0
    assert leftovers(out.parent) == ["明细.xlsx"]


def test_statistics_export_to_a_full_disk(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "统计.xlsx"
    out.write_bytes(b"last month's workbook")  # an existing file is not damaged by a failed export
    done = cli_with_full_disk(demo_db, "export-report", *PERIOD, "--out", str(out))
    assert_disk_full_message(done, out)
    assert leftovers(tmp_path) == ["统计.xlsx"] and out.read_bytes() == b"last month's workbook"


def test_backup_to_a_full_disk(demo_db: Path, tmp_path: Path) -> None:
    before = snapshot(_url(demo_db))
    folder = tmp_path / "backups"
    done = cli_with_full_disk(demo_db, "backup", "--out", str(folder))
    assert "Traceback" not in done.stderr and done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: The backup ") and "the disk may be full" in last, done.stderr
    assert leftovers(folder) == []
    assert snapshot(_url(demo_db)) == before
    check = sqlite3.connect(demo_db)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()


def test_batch_of_letters_to_a_full_disk(demo_db: Path, tmp_path: Path) -> None:
    """Saving issued letters as PDF files (the batch's reprint path) stops at the first full write, with
    the message; no partial PDF is left."""
    before = snapshot(_url(demo_db))
    out = tmp_path / "letters"
    code = """
        import json
        from pathlib import Path
        from sqlalchemy import select
        from desk_app.db.engine import make_engine
        from desk_app.db.models import Letter
        from desk_app.db.uow import Database
        from desk_app.errors import UserError
        from desk_app.i18n import set_language
        from desk_app.cli.reports import actor_for_username
        from desk_app.services import letters
        set_language("en")
        db = Database(make_engine(DB_URL))
        actor = actor_for_username(db, "sh01.clerk")
        with db.unit_of_work() as s:
            ids = list(s.scalars(select(Letter.id)))
        try:
            result = letters.render_batch(db, actor, ids, Path(OUT_DIR))
            print(json.dumps({"files": len(result.files), "skipped": result.skipped}))
        except UserError as exc:
            print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    """
    done = run_with_full_disk(demo_db, code.replace("DB_URL", repr(_url(demo_db))).replace("OUT_DIR", repr(str(out))))
    assert "Traceback" not in done.stderr and done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["error"] == "DiskFullError" and "the disk is full" in outcome["message"], outcome
    assert leftovers(out) == []
    assert snapshot(_url(demo_db)) == before


def test_disk_full_is_recognised_and_leaves_nothing(tmp_path: Path) -> None:
    for code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        assert is_disk_full(OSError(code, "full"))
    assert not is_disk_full(OSError(errno.EACCES, "denied")) and not is_disk_full(ValueError())
    target = tmp_path / "out.xlsx"
    with pytest.raises(DiskFullError, match="the disk is full"), atomic_path(target) as tmp:
        tmp.write_bytes(b"half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(PermissionError), atomic_path(target) as tmp:  # other errors pass unchanged
        raise PermissionError(errno.EACCES, "denied")
    assert leftovers(tmp_path) == []
    assert write_bytes_atomic(target, b"ok").read_bytes() == b"ok" and leftovers(tmp_path) == ["out.xlsx"]


# ---- a database file that is not a database -------------------------------------------------------------

@pytest.fixture(params=["text", "truncated"])
def not_a_database(request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path) -> Iterator[Path]:
    """A spreadsheet saved under the database's name, or a real database cut off after 8 KiB."""
    path = tmp_path / "desk.sqlite3"
    if request.param == "text":
        path.write_bytes("客户投诉台账,这不是数据库\n".encode() * 200)
    else:
        path.write_bytes(_sqlite_template.read_bytes()[:8192])
    yield path


@pytest.mark.parametrize("command", [
    ["migrate"], ["check"], ["demo-data", "--count", "5"], ["export-report", *PERIOD, "--out", "x.xlsx"],
    ["import", "register.csv", "--dry-run"], ["backup", "--out", "backups"]])
def test_cli_on_a_file_that_is_not_a_database(not_a_database: Path, command: list[str], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    original = not_a_database.read_bytes()
    (tmp_path / "register.csv").write_text("投诉日期,客户姓名\n2026-03-02,王芳\n", "utf-8")
    args = [str(tmp_path / a) if a in ("x.xlsx", "register.csv", "backups") else a for a in command]
    code = main(["--language", "en", "--database-url", _url(not_a_database), *args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code in (1, 2), text
    assert "cannot be opened" in text or "not a Complaint Desk database" in text, text
    assert "Traceback" not in text
    assert not_a_database.read_bytes() == original  # not migrated over, not "repaired"
    assert not (tmp_path / "x.xlsx").exists() and leftovers(tmp_path / "backups") == []


def test_app_start_on_a_file_that_is_not_a_database(not_a_database: Path) -> None:
    from ui.app import open_database

    original = not_a_database.read_bytes()
    with pytest.raises(DatabaseUnavailableError) as caught:
        open_database(AppConfig(db_url=_url(not_a_database)))
    message = str(caught.value)
    assert ("cannot be opened" in message or "not a Complaint Desk database" in message) and "\n  File" not in message
    assert not_a_database.read_bytes() == original


# ---- PostgreSQL server down -------------------------------------------------------------------------------

@pytest.fixture
def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", [["migrate"], ["check"], ["export-report", *PERIOD, "--out", "x.xlsx"],
                                     ["demo-data", "--count", "5"]])
def test_cli_with_the_server_down(closed_port: int, command: list[str], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+psycopg://desk:s3cret-pw@127.0.0.1:{closed_port}/desk"
    args = [str(tmp_path / a) if a == "x.xlsx" else a for a in command]
    code = main(["--language", "en", "--database-url", url, *args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code in (1, 2), text
    assert "Traceback" not in text and "s3cret-pw" not in text
    assert str(closed_port) in text or "cannot be opened" in text or "cannot be reached" in text, text
    assert not (tmp_path / "x.xlsx").exists()


def test_app_start_and_work_with_the_server_down(closed_port: int) -> None:
    from ui.app import open_database

    url = f"postgresql+psycopg://desk:s3cret-pw@127.0.0.1:{closed_port}/desk"
    with pytest.raises(DatabaseUnavailableError) as caught:
        open_database(AppConfig(db_url=url))
    assert "s3cret-pw" not in str(caught.value) and str(caught.value).strip()
    db = Database(make_engine(url))  # a client that was running when the server went away
    try:
        with pytest.raises(UserError) as lost, db.unit_of_work() as session:
            session.execute(select(Complaint.id).limit(1))
        assert isinstance(lost.value, DatabaseUnavailableError) and "s3cret-pw" not in str(lost.value)
    finally:
        db.dispose()
