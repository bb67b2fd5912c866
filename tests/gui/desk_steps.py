"""The counter's user flows as steps, shared by the GUI tests on this PC (LocalBackend) and against a desk
server (RemoteBackend): the staff of a branch, the intake form typed from the keyboard, the case view's six
steps, a letter issued and saved, a statistics export, an import.

Every step drives the real widgets with key events into the focused widget (``keyboard``); it never calls
``setText``. A step only needs an ``AppContext``, so the same step runs in process or over HTTPS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from keyboard import CTRL, choose, focus_widget, key, mnemonic, press, replace_text, tab_to, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QWidget
from pytestqt.qtbot import QtBot
from remote_support import activate, when_popup, when_shown
from sqlalchemy import update

from desk_app.api.backend import Backend, LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import head_revision
from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType, LetterKind, Role, Stage
from desk_app.domain.workflow import Action
from desk_app.services.accounts import create_user
from desk_app.services.drafts import DraftStore
from desk_app.services.letters import IssuedLetter
from desk_app.services.setup import SetupRequest, initialise
from tests.support.passwords import GUI_ADMIN_PASSWORD, PASSWORD
from ui.cases.action_dialogs import ActionDialog
from ui.cases.case_page import build_case_view
from ui.cases.case_view import CaseView
from ui.context import AppContext
from ui.dialogs.login_dialog import LoginDialog
from ui.intake.intake_page import IntakePage
from ui.letters.case_letters import CaseLettersWidget
from ui.letters.issue_dialog import IssueLetterDialog
from ui.letters.preview_dialog import LetterPreviewDialog
from ui.reports.export_dialog import ExportReportDialog
from ui.reports.import_dialog import ImportDialog
from ui.session import ask_sign_in
from ui.tasks import db_pool

ADMIN_PASSWORD = GUI_ADMIN_PASSWORD  # the name the GUI tests import from here
VALID_ID = "11010519491231002X"
PHONE = "13812345678"
STAFF = (("clerk", "柜员小李", Role.COUNTER_CLERK), ("handler", "经办人老张", Role.HANDLER),
         ("supervisor", "主管王姐", Role.SUPERVISOR), ("manager", "行长刘总", Role.BRANCH_MANAGER))


# -- the branch ------------------------------------------------------------------------------------------
def set_up_branch(db: Database) -> Actor:
    """A bank branch BJ01 with its administrator and one account per counter role (password ``PASSWORD``);
    returns the administrator. Works on the owner's connection behind a desk server, too."""
    admin = initialise(db, SetupRequest("BJ01", "北京第一支行", InstitutionType.BANK, "admin", "王管理",
                                        ADMIN_PASSWORD, branch_hotline="95533"))
    with db.unit_of_work() as session:  # the recourse named in decision letters (the branch settings)
        session.execute(update(Branch).values(superior_institution="总行消费者权益保护部",
                                              superior_contact="电话：400-800-1234"))
    for username, name, role in STAFF:
        create_user(db, admin, username=username, display_name=name, password=PASSWORD, role=role,
                    branch_id=admin.branch_id, must_change_password=False)
    return admin


def context(backend: Backend, db_url: str = "sqlite://") -> AppContext:
    """What the windows get: the backend (this PC's database or a desk server)."""
    return AppContext(AppConfig(db_url=db_url), backend, head_revision())


def local_context(db: Database) -> AppContext:
    return context(LocalBackend(db), str(db.engine.url))


def settle() -> None:
    """Let queued background calls finish and their results arrive."""
    db_pool().waitForDone(15_000)
    QApplication.processEvents()


def sign_in(qtbot: QtBot, backend: Backend, username: str, password: str = PASSWORD) -> Actor:
    """The sign-in dialog, typed into: user name, Tab, password, Enter; it signs in through the backend."""

    def answer(dialog: LoginDialog) -> None:
        assert dialog.focusWidget() is dialog.username_edit
        type_text(qtbot, username)
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, password)
        key(qtbot, Qt.Key.Key_Return)

    dialogs = when_shown(LoginDialog, answer)
    actor = ask_sign_in(backend)
    assert len(dialogs) == 1 and actor is not None, dialogs[0].error.text() if dialogs else "no sign-in dialog"
    assert actor.username == username
    return actor


# -- the intake form -------------------------------------------------------------------------------------
def open_intake(qtbot: QtBot, ctx: AppContext, actor: Actor, drafts_dir: Path) -> IntakePage:
    """The intake form as a window of its own, active, with its reference lists loaded."""
    page = IntakePage(ctx, actor, drafts=DraftStore(actor.username, drafts_dir))
    qtbot.addWidget(page)
    page.resize(1180, 720)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.ready, timeout=15_000)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window(), timeout=5000)
    return page


def code(qtbot: QtBot, letter: str, text: str) -> None:
    """Alt+letter to a code picker, type the code, Escape closes the completer's list."""
    mnemonic(qtbot, letter)
    type_text(qtbot, text)
    key(qtbot, Qt.Key.Key_Escape)


def type_complaint(qtbot: QtBot, page: IntakePage) -> None:
    """A complete, valid complaint typed as a clerk types it: mnemonics to the fields, Tab where a field
    has none, Space for check boxes. (The same complaint as ``test_intake_form.fill_valid``.)"""
    mnemonic(qtbot, "n")
    assert focus_widget() is page.customer.name
    type_text(qtbot, "王芳")
    mnemonic(qtbot, "i")
    type_text(qtbot, VALID_ID)
    mnemonic(qtbot, "p")
    type_text(qtbot, PHONE)
    tab_to(qtbot, page.customer.address)
    type_text(qtbot, "北京市朝阳区建国路88号")
    mnemonic(qtbot, "w")
    assert focus_widget() is page.facts.what
    type_text(qtbot, "客户反映信用卡出现一笔未授权境外消费3,200.00元")
    mnemonic(qtbot, "e")
    type_text(qtbot, "建国路支行营业厅")
    mnemonic(qtbot, "m")
    type_text(qtbot, "3,200.00")
    mnemonic(qtbot, "r")
    type_text(qtbot, "信用卡中心")
    mnemonic(qtbot, "q")  # the first kind (not ticked); the arrow keys move along the kinds
    while focus_widget() is not page.request.kinds["refund"]:
        key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_Space)
    mnemonic(qtbot, "x")
    type_text(qtbot, "要求退还被盗刷款项")
    mnemonic(qtbot, "l")
    type_text(qtbot, "3200")
    code(qtbot, "a", "A01")
    code(qtbot, "b", "B0302")
    code(qtbot, "u", "C09")
    mnemonic(qtbot, "g")  # the recusal declaration
    assert page.recusal.isChecked()


def save_intake(qtbot: QtBot, page: IntakePage) -> None:
    """Ctrl+S from wherever the focus is in the form."""
    key(qtbot, Qt.Key.Key_S, CTRL)


def registered(qtbot: QtBot, page: IntakePage) -> uuid.UUID:
    """Save the typed complaint with Ctrl+S and wait for the case number; the new case's id."""
    with qtbot.waitSignal(page.sig_saved, timeout=20_000) as saved:
        save_intake(qtbot, page)
    complaint_id = saved.args[0]
    assert isinstance(complaint_id, uuid.UUID)
    return complaint_id


@dataclass(frozen=True)
class Staff:
    """The accounts of ``set_up_branch``, signed in through ``backend``."""

    admin: Actor
    clerk: Actor
    handler: Actor
    supervisor: Actor
    manager: Actor


def sign_in_staff(backend: Backend, admin: Actor) -> Staff:
    signed = {username: backend.sign_in(username, PASSWORD) for username, _name, _role in STAFF}
    return Staff(admin, **signed)


# -- the case view: 听查议析谈行 ---------------------------------------------------------------------------
def open_case(qtbot: QtBot, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID) -> CaseView:
    """The case as the main window shows it (with its portrait and letters tabs), active and loaded."""
    view = build_case_view(ctx, actor, complaint_id)
    qtbot.addWidget(view)
    view.resize(1300, 720)
    view.show()
    qtbot.waitExposed(view)
    activate(view)
    settle_view(qtbot, view)
    assert view.file is not None
    return view


def settle_view(qtbot: QtBot, view: CaseView) -> None:
    """The view calls the services in the background, then reloads its checklists: wait for both."""
    qtbot.waitUntil(lambda: not view.busy and not view.checklists.loading, timeout=20_000)


def start_action(qtbot: QtBot, view: CaseView, action: Action) -> ActionDialog:
    """Tab to the action's button and press Space; the dialog it opens (some read their choices first)."""
    press(qtbot, view.action_buttons[action])
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=20_000)
    dialog = view.active_dialog
    assert dialog is not None
    activate(dialog)
    return dialog


def confirm(qtbot: QtBot, view: CaseView, dialog: ActionDialog) -> None:
    """Tab to the dialog's OK button and press Space; once its call has run the dialog has closed."""
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    press(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: bool(closed) or (not dialog.pending and bool(dialog.error.text())), timeout=20_000)
    assert closed, dialog.error.text()
    settle_view(qtbot, view)
    activate(view)


def type_field(qtbot: QtBot, dialog: ActionDialog, key_name: str, text: str) -> None:
    """Tab to a dialog field and type into it."""
    tab_to(qtbot, dialog.fields[key_name])
    type_text(qtbot, text)


def tick(qtbot: QtBot, view: CaseView, checklist: str, step: str, note: str = "") -> None:
    """Tick a checklist step from the keyboard: Space on its box, or, with a note, Tab to the note beside the
    box, type it and press Enter (no dialog); the view then reloads the case."""
    tab_to(qtbot, view.side_tabs.tabBar())
    while view.side_tabs.currentWidget() is not view.checklists:
        key(qtbot, Qt.Key.Key_Right)
    row = view.checklists.step_row(checklist, step)
    tab_to(qtbot, row.note if note else row.checkbox)
    if note:
        type_text(qtbot, note)
    with qtbot.waitSignal(view.checklists.sig_changed, timeout=20_000):
        key(qtbot, Qt.Key.Key_Return if note else Qt.Key.Key_Space)
    assert QApplication.activeModalWidget() is None  # nothing asked for the mouse
    settle_view(qtbot, view)


def write_record(qtbot: QtBot, view: CaseView, stage: Stage, **texts: str) -> None:
    """Type the step's record into its fields (Tab from one to the next)."""
    form = view.stages.forms[stage]
    for name, text in texts.items():
        tab_to(qtbot, form.editors[name])
        type_text(qtbot, text)


def next_step(qtbot: QtBot, view: CaseView, stage: Stage) -> None:
    """The step's "Next step" button (it saves the typed record first), from the keyboard."""
    press(qtbot, view.stages.forms[stage].move_button)
    settle_view(qtbot, view)


def walk_to_act(qtbot: QtBot, ctx: AppContext, supervisor: Actor, handler: Actor,
                complaint_id: uuid.UUID) -> CaseView:
    """The supervisor assigns the case to the handler, who starts it and walks 听 → 查 → (议 skipped when not
    required) → 析 → 谈 (a contact logged) → 行; the handler's view, at 行 act."""
    boss = open_case(qtbot, ctx, supervisor, complaint_id)
    dialog = start_action(qtbot, boss, Action.ASSIGN)
    tab_to(qtbot, dialog.fields["owner"])
    choose(qtbot, dialog.fields["owner"], handler.user_id)  # type: ignore[arg-type]
    type_field(qtbot, dialog, "note", "请尽快联系客户")
    confirm(qtbot, boss, dialog)
    assert boss.file is not None and boss.file.detail.owner_id == handler.user_id
    boss.close()

    view = open_case(qtbot, ctx, handler, complaint_id)
    confirm(qtbot, view, start_action(qtbot, view, Action.START))
    assert view.file is not None and view.file.detail.stage is Stage.LISTEN
    write_record(qtbot, view, Stage.LISTEN, real_demand="客户真实诉求是退还被盗刷款项")
    tick(qtbot, view, "strategic_empathy", "active_listening", note="客户情绪已平复")
    tick(qtbot, view, "strategic_empathy", "true_demand")
    next_step(qtbot, view, Stage.LISTEN)
    assert view.file.detail.stage is Stage.INVESTIGATE
    write_record(qtbot, view, Stage.INVESTIGATE, findings="交易发生在境外，客户当时在境内")
    next_step(qtbot, view, Stage.INVESTIGATE)
    expected = Stage.DELIBERATE if view.file.detail.deliberation_required else Stage.ANALYSE
    assert view.file.detail.stage is expected
    if expected is Stage.DELIBERATE:
        write_record(qtbot, view, Stage.DELIBERATE, participants="主管王姐、经办人老张",
                     decision="同意全额退款")
        next_step(qtbot, view, Stage.DELIBERATE)
    write_record(qtbot, view, Stage.ANALYSE, analysis="盗刷事实清楚", basis="《银行卡章程》第十二条")
    next_step(qtbot, view, Stage.ANALYSE)
    assert view.file.detail.stage is Stage.NEGOTIATE
    press(qtbot, view.stages.contacts.add_button)
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=20_000)
    contact = view.active_dialog
    assert contact is not None
    activate(contact)
    type_field(qtbot, contact, "summary", "电话告知处理方案")
    type_field(qtbot, contact, "reaction", "客户表示接受")
    confirm(qtbot, view, contact)
    write_record(qtbot, view, Stage.NEGOTIATE, plan="先致歉后说明退款时间")
    next_step(qtbot, view, Stage.NEGOTIATE)
    assert view.file.detail.stage is Stage.ACT
    write_record(qtbot, view, Stage.ACT, action_taken="已退还3,200.00元")
    press(qtbot, view.stages.forms[Stage.ACT].save_button)
    settle_view(qtbot, view)
    return view


# -- letters ---------------------------------------------------------------------------------------------
def save_file_as(qtbot: QtBot, path: Path) -> list[QFileDialog]:
    """Answer the next file dialog: the full path typed over the proposed name, Enter."""

    def answer(_dialog: QFileDialog) -> None:
        replace_text(qtbot, str(path))
        key(qtbot, Qt.Key.Key_Return)

    return when_shown(QFileDialog, answer)


def issue_decision_letter(qtbot: QtBot, view: CaseView, pdf: Path) -> IssuedLetter:
    """From the case's Letters tab: New letter ▸ Decision letter, its elements typed, Issue; then, in the
    preview of the issued letter, Save as… a PDF. The letter issued."""
    letters = view.findChild(CaseLettersWidget)
    assert letters is not None
    # the panel follows the case: at 行 act it offers the decision letter
    qtbot.waitUntil(lambda: LetterKind.DECISION in letters.kinds, timeout=20_000)
    tab_to(qtbot, view.side_tabs.tabBar())
    while view.side_tabs.currentWidget() is not letters:
        key(qtbot, Qt.Key.Key_Right)
    tab_to(qtbot, letters.new_button)
    offered: list[str] = []

    def pick(menu: QMenu) -> None:  # the menu of the kinds this user may issue: arrow down to one, Enter
        assert menu is letters.new_menu
        offered.extend(a.text() for a in menu.actions())
        for _ in range(offered.index(LetterKind.DECISION.label) + 1):
            qtbot.keyClick(menu, Qt.Key.Key_Down)
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    menus = when_popup(QMenu, pick)
    key(qtbot, Qt.Key.Key_Space)  # the menu runs its own loop until a kind is chosen
    assert len(menus) == 1, offered
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), IssueLetterDialog), timeout=5000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, IssueLetterDialog)
    activate(dialog)
    qtbot.waitUntil(lambda: dialog.prefilled, timeout=20_000)
    assert dialog.widgets["decision"].toPlainText() == ""  # the rest is prefilled from the step records
    mnemonic(qtbot, "i")  # &Issue without the decision: refused, inline, by the content check
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=30_000)
    activate(dialog)
    assert "cannot be issued. Missing: the decision" in dialog.error.text() and dialog.issued is None
    assert focus_widget() is dialog.widgets["decision"]
    for name, text in (("verification", "调取了交易授权记录和监控录像。"), ("decision", "支持客户的投诉请求。"),
                       ("basis", "《信用卡领用合约》第十二条。"), ("reasons", "该笔交易为伪卡交易。")):
        tab_to(qtbot, dialog.widgets[name])
        replace_text(qtbot, text)
    mnemonic(qtbot, "i")  # &Issue (behind a progress dialog)
    qtbot.waitUntil(lambda: dialog.issued is not None or bool(dialog.error.text()), timeout=30_000)
    issued = dialog.issued
    assert issued is not None, dialog.error.text()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), LetterPreviewDialog), timeout=20_000)
    preview = QApplication.activeModalWidget()
    assert isinstance(preview, LetterPreviewDialog)
    activate(preview)
    saving = save_file_as(qtbot, pdf)
    mnemonic(qtbot, "s")  # &Save as…
    qtbot.waitUntil(lambda: preview.saved_to is not None, timeout=10_000)
    assert len(saving) == 1 and preview.saved_to == pdf
    activate(preview)  # back from the file dialog
    key(qtbot, Qt.Key.Key_Escape)  # closes the preview
    return issued


# -- reports ---------------------------------------------------------------------------------------------
def export_statistics(qtbot: QtBot, ctx: AppContext, actor: Actor, target: Path, start: str, end: str,
                      parent: QWidget | None = None) -> ExportReportDialog:
    """File ▸ Export: the period typed into the date fields, the file's path, Enter exports."""
    dialog = ExportReportDialog(ctx, actor, parent)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    activate(dialog)
    for letter, day in (("f", start), ("t", end)):
        mnemonic(qtbot, letter)  # the year is selected; a full section moves on to the next
        type_text(qtbot, day.replace("-", ""))
    tab_to(qtbot, dialog.path)
    type_text(qtbot, str(target))
    with qtbot.waitSignal(dialog.finished, timeout=60_000):
        key(qtbot, Qt.Key.Key_Return)
    return dialog


def import_register(qtbot: QtBot, ctx: AppContext, actor: Actor, source: Path, mapping: str,
                    parent: QWidget | None = None) -> ImportDialog:
    """The import dialog: the file's path typed, Check (a dry run reads its columns), the branch's saved
    mapping chosen with the arrow keys (checked again), Import."""
    dialog = ImportDialog(ctx, actor, parent)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    activate(dialog)
    tab_to(qtbot, dialog.path)
    type_text(qtbot, str(source))
    mnemonic(qtbot, "c")  # &Check (dry run), behind a progress dialog
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=60_000)
    activate(dialog)  # back from the progress dialog
    mnemonic(qtbot, "m")  # &Mapping
    choose(qtbot, dialog.mapping_choice, mapping)  # checks again with it
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.preview.ok, timeout=60_000)
    activate(dialog)
    assert dialog.import_button.isEnabled()
    mnemonic(qtbot, "i")  # &Import
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=60_000)
    return dialog
