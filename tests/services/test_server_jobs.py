"""Jobs through a live desk server (HTTPS, one streaming request each), on SQLite and PostgreSQL: exports,
imports, consolidation and letters give what the same call gives on this PC; Cancel, a forbidden role and
an oversized upload leave nothing written, on the client or on the server."""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import shutil
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from db_digest import database_digest
from openpyxl import load_workbook
from server_support import LiveServer, tls_files
from signing_support import trust_branch
from sqlalchemy import func, select

import desk_app.api.remote
import desk_app.server.jobs
from desk_app.api import jobs
from desk_app.api.pinning import ServerCertificate, pinned_context
from desk_app.api.protocol import API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION
from desk_app.api.remote import RemoteBackend
from desk_app.db.engine import make_engine
from desk_app.db.models import Complaint, ImportBatch, Letter
from desk_app.db.uow import Database
from desk_app.documents.content import ReceiptInputs, RefusalInputs
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType, LetterKind, Role
from desk_app.errors import (
    DatabaseUnavailableError,
    DiskFullError,
    OperationCancelled,
    PermissionDeniedError,
    ValidationError,
)
from desk_app.reports.records import MANIFEST_SHEET, RECORDS_PART
from desk_app.services import consolidation, detail_export, imports, letters, statistics
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.report_scope import ReportScope
from desk_app.services.sessions import SessionExpiredError
from desk_app.services.setup import SetupRequest, initialise
from tests.reports.messy_files import ROWS
from tests.reports.report_data import NOW, Q2, TODAY, build_report_data
from tests.support.imported import NOW as IMPORT_NOW
from tests.support.imported import check_imported, exported_csv
from tests.support.letters import office_today, register_today
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff

SCOPE = ReportScope(*Q2)
ALL_TIME = ReportScope(date(2024, 1, 1), date(2026, 12, 31))


@pytest.fixture(autouse=True)
def server_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The server's job folders go here; after each test none is left."""
    root = tmp_path / "server-temp"
    root.mkdir()
    monkeypatch.setattr(desk_app.server.jobs, "TEMP_ROOT", root)
    yield root
    assert_empty_soon(root)


def assert_empty_soon(folder: Path) -> None:
    """The server removes a job's folder when its request ends, a moment after the client has returned."""
    deadline = time.monotonic() + 10
    while list(folder.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(folder.iterdir()) == []


@pytest.fixture
def remote(server: LiveServer) -> Iterator[RemoteBackend]:
    backend = server.backend()
    yield backend
    backend.close()


@pytest.fixture
def demo(server: LiveServer) -> LiveServer:
    build_report_data(server.db, count=150)
    return server


def sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- exports ------------------------------------------------------------------------------------------

def test_statistics_export_is_the_local_export(demo: LiveServer, remote: RemoteBackend, tmp_path: Path) -> None:
    actor = remote.sign_in("hq.analyst", DEMO_PASSWORD)
    path = tmp_path / "out" / "统计.xlsx"
    stats = remote.call(actor, statistics.export_statistics, SCOPE, path, today=TODAY, now=NOW)
    local = statistics.export_statistics(demo.db, authenticate(demo.db, "hq.analyst", DEMO_PASSWORD), SCOPE,
                                      tmp_path / "local.xlsx", today=TODAY, now=NOW)
    assert stats == local and stats.summary.total > 0
    assert sheets(path) == sheets(tmp_path / "local.xlsx")
    assert files_in(path.parent) == ["统计.xlsx"]


def test_detail_export_is_the_local_export(demo: LiveServer, remote: RemoteBackend, tmp_path: Path) -> None:
    actor = remote.sign_in("sh01.manager", DEMO_PASSWORD)
    path = tmp_path / "out" / "detail.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"an older export")
    seen: list[tuple[int, int]] = []
    result = remote.call(actor, detail_export.export_detail, SCOPE, path, reveal_personal_data=True,
                         progress=lambda done, total: seen.append((done, total)), cancelled=lambda: False,
                         today=TODAY, now=NOW)
    local = detail_export.export_detail(demo.db, authenticate(demo.db, "sh01.manager", DEMO_PASSWORD), SCOPE,
                                  tmp_path / "local" / "detail.xlsx", reveal_personal_data=True, today=TODAY, now=NOW)
    assert result.path == path
    assert (result.cases, result.records, result.masked) == (local.cases, local.records, local.masked)
    with zipfile.ZipFile(path) as archive:  # the records for HQ (the same rows; the file's bytes may differ)
        assert hashlib.sha256(archive.read(RECORDS_PART)).hexdigest() == result.sha256
    assert result.cases > 0 and not result.masked
    remote_sheets, local_sheets = sheets(path), sheets(local.path)
    assert remote_sheets["Case details"] == local_sheets["Case details"]
    # the records part's bytes may differ, so do its SHA-256 and the signature over it
    assert ([r for r in remote_sheets[MANIFEST_SHEET] if r[0] not in ("sha256", "signature")]
            == [r for r in local_sheets[MANIFEST_SHEET] if r[0] not in ("sha256", "signature")])
    assert seen and seen[-1] == (local.cases + 1, local.cases + 1)
    assert files_in(path.parent) == ["detail.xlsx"]


def test_cancel_mid_export_leaves_no_file(demo: LiveServer, remote: RemoteBackend, tmp_path: Path) -> None:
    actor = remote.sign_in("hq.analyst", DEMO_PASSWORD)
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "detail.xlsx"
    path.write_bytes(b"an older export")
    # The server may finish the export it was asked for before it hears of the cancel; it audits that export,
    # and the file never reaches this PC. Nothing else is written.
    before = database_digest(demo.db, except_tables={"audit_log"})
    seen: list[int] = []
    with pytest.raises(OperationCancelled, match="no file was written"):
        remote.call(actor, detail_export.export_detail, SCOPE, path, progress=lambda done, total: seen.append(done),
                    cancelled=lambda: bool(seen))
    assert len(seen) == 1  # cancelled after the first progress line
    assert path.read_bytes() == b"an older export"
    assert files_in(folder) == ["detail.xlsx"]
    assert database_digest(demo.db, except_tables={"audit_log"}) == before


def test_a_forbidden_export_writes_nothing(demo: LiveServer, remote: RemoteBackend, tmp_path: Path) -> None:
    actor = remote.sign_in("hq.analyst", DEMO_PASSWORD)
    before = database_digest(demo.db)
    with pytest.raises(PermissionDeniedError):
        remote.call(actor, detail_export.export_detail, SCOPE, tmp_path / "out" / "x.xlsx", reveal_personal_data=True)
    assert not (tmp_path / "out").exists() or files_in(tmp_path / "out") == []
    assert database_digest(demo.db) == before


# --- imports ------------------------------------------------------------------------------------------


def test_dry_run_and_import_of_an_exported_csv(server: LiveServer, staff: Staff, remote: RemoteBackend,
                                               tmp_path: Path) -> None:
    path = exported_csv(tmp_path / "投诉登记.csv")
    manager = remote.sign_in("manager", PASSWORD)
    options = imports.ImportOptions(now=IMPORT_NOW)
    suggested = remote.call(manager, imports.dry_run, path, options=options)
    assert suggested.encoding == "gb18030" and suggested.source == "投诉登记.csv"
    mapping = suggested.mapping
    mapping.defaults["axis_a"] = "A01"
    preview = remote.call(manager, imports.dry_run, path, mapping, options)
    assert preview.ok and preview.importable == len(ROWS), preview.problem_rows
    with server.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 0
    seen: list[tuple[int, int]] = []
    result = remote.call(manager, imports.import_file, path, preview.mapping, options,
                         progress=lambda done, total: seen.append((done, total)), cancelled=lambda: False)
    assert result.imported == len(ROWS) and result.closed == 3
    assert seen[-1] == (len(ROWS), len(ROWS))
    check_imported(server.db)
    with server.db.unit_of_work() as session:
        facts = session.scalars(select(Complaint.facts_what).order_by(Complaint.received_at)).all()
        batch = session.scalars(select(ImportBatch)).one()
    assert facts[0] == '客户称"信用卡出现一笔未授权境外消费"，\n要求"尽快"处理'
    assert batch.source_name == "投诉登记.csv" and batch.rows == len(ROWS)
    assert batch.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ValidationError, match="already imported"):
        remote.call(manager, imports.import_file, path, preview.mapping, options)


def big_csv(path: Path, rows: int = 3500) -> Path:
    lines = ["投诉日期,客户姓名,投诉内容,业务类别,投诉原因"] + [
        f"2026-03-{1 + i % 28:02d},客户{i},内容{i},信用卡,C01" for i in range(rows)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_cancel_mid_import_imports_nothing(server: LiveServer, staff: Staff, remote: RemoteBackend, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    path = big_csv(tmp_path / "big.csv")
    manager = remote.sign_in("manager", PASSWORD)
    mapping = remote.call(manager, imports.dry_run, path).mapping
    mapping.defaults["axis_a"] = "A01"
    write = imports._Writer.write

    def slow_write(self: Any, rows: Any) -> None:  # the server writes slowly: the cancel comes mid-import
        time.sleep(0.5)
        write(self, rows)

    monkeypatch.setattr(imports._Writer, "write", slow_write)
    before = database_digest(server.db)
    seen: list[int] = []
    caplog.set_level(logging.INFO, logger="desk_server")
    with pytest.raises(OperationCancelled, match="nothing was imported"):
        remote.call(manager, imports.import_file, path, mapping, imports.ImportOptions(now=IMPORT_NOW),
                    progress=lambda done, total: seen.append(done), cancelled=lambda: bool(seen))
    assert seen == [1000]
    deadline = time.monotonic() + 10
    while not any(getattr(r, "error", "") == "OperationCancelled" for r in caplog.records):
        assert time.monotonic() < deadline, [(r.getMessage(), r.__dict__.get("error")) for r in caplog.records]
        time.sleep(0.05)
    assert database_digest(server.db) == before


def test_errors_and_forbidden_roles_arrive_typed_with_nothing_written(server: LiveServer, staff: Staff,
                                                                     remote: RemoteBackend, tmp_path: Path) -> None:
    path = exported_csv(tmp_path / "register.csv")
    clerk = remote.sign_in("clerk", PASSWORD)
    manager = remote.sign_in("manager", PASSWORD)
    before = database_digest(server.db)
    with pytest.raises(PermissionDeniedError):
        remote.call(clerk, imports.import_file, path)
    with pytest.raises(PermissionDeniedError):
        remote.call(manager, consolidation.consolidate, path)
    with pytest.raises(PermissionDeniedError, match="BJ01"):
        remote.call(manager, imports.dry_run, path, options=imports.ImportOptions(branch_code="BJ01"))
    with pytest.raises(ValidationError, match="Nothing was imported"):  # no A axis: every row has a problem
        remote.call(manager, imports.import_file, path, options=imports.ImportOptions(now=IMPORT_NOW))
    with pytest.raises(ValidationError, match="There is no file"):
        remote.call(manager, imports.dry_run, tmp_path / "missing.csv")
    assert database_digest(server.db) == before
    remote.sign_out(manager)
    with pytest.raises(SessionExpiredError):
        remote.call(manager, imports.dry_run, path)


# --- oversized uploads ----------------------------------------------------------------------------------

def raw_job(server: LiveServer, token: str, name: str, content: Any, headers: dict[str, str] | None = None
            ) -> httpx.Response:
    with httpx.Client(base_url=server.url, verify=pinned_context(server.certificate), timeout=30) as http:
        return http.post(API_PREFIX + jobs.JOB_PREFIX + name, content=content, headers={
            PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {token}", "Accept-Language": "en",
            **(headers or {})})


def test_an_oversized_upload_is_refused(server: LiveServer, staff: Staff, remote: RemoteBackend, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 256 * 1024
    for module in (jobs, desk_app.api.remote, desk_app.server.jobs):
        monkeypatch.setattr(module, "MAX_UPLOAD", limit)
    path = big_csv(tmp_path / "big.csv", 20000)
    assert path.stat().st_size > limit
    manager = remote.sign_in("manager", PASSWORD)
    token = remote._token(manager)
    before = database_digest(server.db)
    with pytest.raises(jobs.UploadTooLargeError, match="nothing was sent"):  # the client does not even try
        remote.call(manager, imports.import_file, path)
    head = b'{"arguments": {}, "file_name": "big.csv"}\n'
    data = path.read_bytes()[:limit + 1000]
    declared = raw_job(server, token, "imports.import_file", head + data)  # Content-Length over the limit

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        yield head
        for start in range(0, len(data), 16 * 1024):
            yield data[start:start + 16 * 1024]

    streamed = raw_job(server, token, "imports.import_file", chunked())
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["kind"] == "UploadTooLargeError"
        assert "larger than the desk server accepts (0 MiB)" in response.json()["error"]["message"]
    assert database_digest(server.db) == before


def test_malformed_job_requests_are_refused(server: LiveServer, staff: Staff, remote: RemoteBackend) -> None:
    token = remote._token(remote.sign_in("manager", PASSWORD))
    before = database_digest(server.db)
    cases = [("imports.import_file", b"not json\n", 422, "ValidationError"),
             ("imports.import_file", b'{"arguments": {"actor": {}}}\n', 422, "ValidationError"),
             ("imports.import_file", b'{"arguments": {}}', 422, "ValidationError"),  # no line end
             ("reports.export_statistics", b'{"arguments": {}}\nsmuggled', 422, "ValidationError"),
             ("demo.generate_demo_data", b'{"arguments": {}}\n', 422, "ValidationError")]
    for name, body, status, kind in cases:
        response = raw_job(server, token, name, body)
        assert response.status_code == status, (name, body, response.text)
        assert response.json()["error"]["kind"] == kind
    response = raw_job(server, "forged", "imports.dry_run", b'{"arguments": {}}\n' + b"x" * 100_000)
    assert response.status_code == 401 and response.json()["error"]["kind"] == "SessionExpiredError"
    clerk = remote._token(remote.sign_in("clerk", PASSWORD))
    before = database_digest(server.db)
    response = raw_job(server, clerk, "imports.import_file",
                       b'{"arguments": {}, "file_name": "../../x.csv"}\n' + "日期,客户\n".encode())
    assert response.status_code == 403 and response.json()["error"]["kind"] == "PermissionDeniedError"
    assert database_digest(server.db) == before


# --- consolidation --------------------------------------------------------------------------------------

@pytest.fixture
def branch_export(tmp_path: Path, _sqlite_template: Path) -> Path:
    """A branch's own SQLite database with cases, exported for HQ with the records part."""
    shutil.copyfile(_sqlite_template, tmp_path / "branch.sqlite3")
    branch = Database(make_engine(f"sqlite:///{tmp_path / 'branch.sqlite3'}"))
    try:
        build_report_data(branch, count=60, seed=11)
        path = tmp_path / "sh01 export.xlsx"
        detail_export.export_detail(branch, authenticate(branch, "sh01.manager", DEMO_PASSWORD), ALL_TIME, path,
                              reveal_personal_data=True, today=TODAY, now=NOW)
        with branch.unit_of_work() as session:
            expected = session.scalar(select(func.count()).select_from(Complaint).where(
                Complaint.case_number.like("SH01-%")))
        (tmp_path / "expected").write_text(str(expected))
        return path
    finally:
        branch.dispose()


def hq_analyst(db: Database) -> Actor:
    admin = initialise(db, SetupRequest("HQ", "总行消保部", InstitutionType.BANK, "hqadmin", "总部管理员",
                                        "hqadmin2026", is_headquarters=True))
    create_user(db, admin, username="analyst", display_name="分析员", password="quarterly2026",
                role=Role.HQ_ANALYST, branch_id=admin.branch_id, must_change_password=False)
    return authenticate(db, "analyst", "quarterly2026")


def test_consolidation_through_the_server(server: LiveServer, remote: RemoteBackend, branch_export: Path) -> None:
    hq_analyst(server.db)
    trust_branch(server.db, "SH01")  # headquarters registered the branch's signing key
    expected = int((branch_export.parent / "expected").read_text())
    analyst = remote.sign_in("analyst", "quarterly2026")
    seen: list[tuple[int, int]] = []
    dry = remote.call(analyst, consolidation.consolidate, branch_export, dry_run=True,
                      progress=lambda done, total: seen.append((done, total)), cancelled=lambda: False)
    assert dry.dry_run and dry.source == "sh01 export.xlsx" and not dry.problems
    assert dry.inserted == expected > 10
    with server.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 0
    report = remote.call(analyst, consolidation.consolidate, branch_export,
                         progress=lambda done, total: seen.append((done, total)))
    assert report.imported and report.inserted == expected and not report.conflicts
    assert "sh01.clerk" in report.users_created
    with server.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == expected
    again = remote.call(analyst, consolidation.consolidate, branch_export)
    assert (again.inserted, again.unchanged) == (0, expected)


# --- letters --------------------------------------------------------------------------------------------

def test_a_batch_of_letters(server: LiveServer, staff: Staff, remote: RemoteBackend, tmp_path: Path) -> None:
    cases = register_today(server.db, staff, 4)
    issued = letters.issue_letter(server.db, staff.clerk, cases[0].id, LetterKind.RECEIPT, ReceiptInputs())
    due = [d for d in letters.letters_due_today(server.db, staff.clerk, staff.clerk.branch_id, office_today())
           if not d.issued and d.complaint_id != cases[3].id]
    items: list[letters.BatchItem] = [issued.id, *due, letters.LetterRequest(cases[3].id, LetterKind.RECEIPT,
                                                                               ReceiptInputs()),
                                      letters.LetterRequest(staff.clerk.user_id, LetterKind.RECEIPT)]
    clerk = remote.sign_in("clerk", PASSWORD)
    out = tmp_path / "letters" / "today"
    seen: list[tuple[int, int]] = []
    result = remote.call(clerk, letters.render_batch, items, out, lambda done, total: seen.append((done, total)),
                         lambda: False, workers=4)
    assert not result.cancelled and result.total == 5 and len(result.issued) == 3
    assert {i.complaint_id for i in result.issued} == {cases[1].id, cases[2].id, cases[3].id}
    assert [label for label, _why in result.skipped] == [str(staff.clerk.user_id)]
    assert list(result.files) == [out / f"{issued.number}.pdf"] + [out / i.file_name for i in result.issued]
    assert files_in(out) == sorted(p.name for p in result.files)
    assert (out / issued.file_name).read_bytes() == letters.reprint(server.db, staff.clerk, issued.id)
    for info in result.issued:
        assert hashlib.sha256((out / info.file_name).read_bytes()).hexdigest() == info.sha256
    assert seen[-1] == (5, 5)
    with server.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Letter)) == 4


def test_a_cancelled_batch_of_letters(server: LiveServer, staff: Staff, remote: RemoteBackend,
                                      tmp_path: Path) -> None:
    cases = register_today(server.db, staff, 2)
    clerk = remote.sign_in("clerk", PASSWORD)
    requests = [letters.LetterRequest(c.id, LetterKind.RECEIPT) for c in cases]
    result = remote.call(clerk, letters.render_batch, requests, tmp_path / "out", None, lambda: True)
    assert result.cancelled and result.files == () and result.total == 2
    assert files_in(tmp_path / "out") == []


# --- the table -----------------------------------------------------------------------------------------

def test_every_job_matches_its_function() -> None:
    table = jobs.job_calls()
    assert set(table) == {"reports.export_statistics", "reports.export_detail", "imports.dry_run",
                          "imports.import_file", "consolidation.consolidate", "letters.render_batch",
                          "attachments.attach_file", "attachments.save_attachment"}
    assert jobs.job_for(detail_export.export_detail) is table["reports.export_detail"]
    assert jobs.job_for(statistics.compute_statistics) is None


@pytest.mark.parametrize(("name", "safe"), [
    ("台账 2026.xlsx", "台账 2026.xlsx"), ("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"),
    ("/tmp/x.csv", "x.csv"), ("", "file"), ("..", "file"), (".hidden.csv", "file.csv"), ("a\x00b\n.csv", "ab.csv"),
    ("x" * 300 + ".xlsx", "x" * 195 + ".xlsx")])
def test_the_server_keeps_only_a_plain_file_name(name: str, safe: str) -> None:
    assert jobs.safe_file_name(name) == safe


def test_batch_items_travel_with_their_kind() -> None:

    job = jobs.job_calls()["letters.render_batch"]
    due = letters.DueLetter(LetterKind.RECEIPT, uuid.uuid4(), "SH01-20260301-0001", "王芳", "new case")
    items: list[letters.BatchItem] = [uuid.uuid4(), due, letters.LetterRequest(uuid.uuid4(), LetterKind.REFUSAL,
                                                                               RefusalInputs(grounds="不属于受理范围")),
                                      letters.LetterRequest(uuid.uuid4(), LetterKind.RECEIPT)]
    bound = job.bind((items, Path("out")), {"workers": 3})
    assert job.call.decode_params(bound.body) == {"items": items}
    with pytest.raises(ValidationError):
        job.call.decode_params(b'{"items": [{"letter_id": "%s", "complaint_id": "%s"}]}' % (
            str(uuid.uuid4()).encode(), str(uuid.uuid4()).encode()))


# --- the client on a broken answer (no server: a mock transport) -------------------------------------------

CLIENT_ACTOR = Actor(user_id=uuid.UUID(int=7), username="hq", display_name="HQ", role=Role.HQ_ANALYST,
                     branch_id=uuid.UUID(int=8), branch_code="HQ", is_hq=True)


def mock_backend(tmp_path: Path, answer: Iterator[bytes] | bytes, status: int = 200) -> RemoteBackend:
    certificate, _key = tls_files(tmp_path / "tls")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.startswith(API_PREFIX + jobs.JOB_PREFIX)
        request.read()
        return httpx.Response(status, content=answer, headers={"Content-Type": jobs.NDJSON})

    backend = RemoteBackend("https://127.0.0.1:8443", ServerCertificate(certificate.read_text("ascii")),
                            transport=httpx.MockTransport(handler))
    backend._tokens[CLIENT_ACTOR.user_id] = "token"
    return backend


def line(frame: msgspec.Struct) -> bytes:
    return msgspec.json.encode(frame) + b"\n"


@pytest.mark.parametrize("case", ["error", "cut_short", "file_cut_short", "garbage", "bad_result"])
def test_a_broken_answer_leaves_no_file(tmp_path: Path, case: str) -> None:
    progress = line(jobs.Progress(1, 2))
    failed = line(jobs.Failed(403, msgspec.Raw(b'{"error": {"kind": "PermissionDeniedError", "message": "no"}}')))
    done = line(jobs.Done(msgspec.Raw(b'{"path": "d.xlsx", "cases": 0, "records": {}, "masked": true, '
                                      b'"sha256": ""}'), 100)) + b"x" * 50
    answers = {"error": progress + failed, "cut_short": progress, "file_cut_short": progress + done,
               "garbage": progress + b"<html>proxy error</html>\n",
               "bad_result": line(jobs.Done(msgspec.Raw(b'{"path": 5}'), 0))}
    expected = {"error": PermissionDeniedError, "cut_short": DatabaseUnavailableError,
                "file_cut_short": DatabaseUnavailableError, "garbage": DatabaseUnavailableError,
                "bad_result": DatabaseUnavailableError}
    backend = mock_backend(tmp_path, iter([answers[case]]))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(expected[case]):
        backend.call(CLIENT_ACTOR, detail_export.export_detail, SCOPE, out / "d.xlsx")
    assert files_in(out) == []
    backend.close()


def test_a_full_disk_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done = line(jobs.Done(msgspec.Raw(b'{"path": "detail.xlsx", "cases": 0, "records": {}, "masked": true, '
                                      b'"sha256": ""}'), 4)) + b"PK.."
    backend = mock_backend(tmp_path, iter([done]))

    def full(self: Any, size: int, write: Any, check: Any) -> None:
        write(b"PK")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(desk_app.api.remote._Frames, "copy", full)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DiskFullError, match="disk is full"):
        backend.call(CLIENT_ACTOR, detail_export.export_detail, SCOPE, out / "detail.xlsx")
    assert files_in(out) == []
    backend.close()


def test_a_zip_naming_a_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil.pdf", b"%PDF")
    data = archive.getvalue()
    result = b'{"files": [], "issued": [], "skipped": [], "cancelled": false, "total": 0}'
    backend = mock_backend(tmp_path, iter([line(jobs.Done(msgspec.Raw(result), len(data))) + data]))
    with pytest.raises(ValidationError, match="outside the chosen folder"):
        backend.call(CLIENT_ACTOR, letters.render_batch, [], tmp_path / "out")
    assert not (tmp_path / "evil.pdf").exists() and files_in(tmp_path / "out") == []
    backend.close()
