"""Every use case the GUI runs goes through ``Backend.call`` / ``Backend.read``, and each function it passes
there can run on a desk server: it is an exposed call of the registry, or one of the file jobs (calls that
take paths and progress/cancel callbacks, which the remote backend runs as jobs).

The check reads the ``ui`` sources (``ast``), so it covers every call site, not only those a test happens
to reach; it needs no Qt."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desk_app.api.jobs import JOBS
from desk_app.api.registry import call_for

UI = Path(__file__).resolve().parents[2] / "ui"

#: Long-running calls with a path and progress/cancel callbacks: file jobs, not registry entries (the jobs'
#: own table is the one list of them).
JOB_FUNCTIONS: frozenset[Callable[..., Any]] = frozenset(
    getattr(module, name) for module, jobs in JOBS.items() for name in jobs)


@dataclass(frozen=True)
class Site:
    """One ``….backend.call(actor, fn, …)`` or ``….backend.read(fn, …)`` in the GUI sources."""

    module: str
    line: int
    column: int
    method: str
    fn_source: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} backend.{self.method}({self.fn_source})"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(UI.parent).with_suffix("").parts)


def _is_backend(node: ast.expr) -> bool:
    """``backend``, ``self._backend``, ``ctx.backend``, ``self.page.ctx.backend``…"""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.lstrip("_") == "backend"


def backend_sites() -> Iterator[Site]:
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr in ("call", "read") and _is_backend(node.value)):
                continue
            yield Site(_module_name(path), node.lineno, node.col_offset, node.attr, "")


def _forwarded(tree: ast.AST) -> set[int]:
    """The backend calls of a backend's own ``call``/``read`` that hand on the function they were given (the
    opening database's backend waits for the real one, then forwards): no service function is named there."""
    forwarded: set[int] = set()
    for fdef in ast.walk(tree):
        if not (isinstance(fdef, ast.FunctionDef) and fdef.name in ("call", "read")):
            continue
        params = {a.arg for a in (*fdef.args.posonlyargs, *fdef.args.args)}
        forwarded |= {id(node.func) for node in ast.walk(fdef)
                      if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and node.func.attr == fdef.name and _is_backend(node.func.value)
                      and any(isinstance(a, ast.Name) and a.id in params for a in node.args[:2])}
    return forwarded


def forwarding_sites() -> set[tuple[str, int, int]]:
    """(module, line, column) of every forwarding backend call (``_forwarded``)."""
    sites: set[tuple[str, int, int]] = set()
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        forwarded = _forwarded(tree)
        sites |= {(_module_name(path), node.lineno, node.col_offset) for node in ast.walk(tree)
                  if id(node) in forwarded and isinstance(node, ast.Attribute)}
    return sites


def call_sites() -> list[Site]:
    """The fn argument of every backend call, as source text (forwarding calls left out)."""
    sites: list[Site] = []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        forwarded = _forwarded(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if not (isinstance(func, ast.Attribute) and func.attr in ("call", "read") and _is_backend(func.value)):
                continue
            if id(func) in forwarded:
                continue
            position = 1 if func.attr == "call" else 0
            assert len(node.args) > position, f"{_module_name(path)}:{node.lineno}: no service function given"
            sites.append(Site(_module_name(path), func.lineno, func.col_offset, func.attr,
                              ast.unparse(node.args[position])))
    return sites


def _lazy_imports(module: str) -> dict[str, Any]:
    """The names a module imports inside its functions (kept out of start-up on purpose), as they bind them."""
    path = UI.parent.joinpath(*module.split(".")).with_suffix(".py")
    names: dict[str, Any] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            source = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(source, alias.name, None)
                names[alias.asname or alias.name] = (
                    value if value is not None else importlib.import_module(f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.partition(".")[0]] = importlib.import_module(
                    alias.name if alias.asname else alias.name.partition(".")[0])
    return names


def resolve(site: Site) -> Callable[..., Any]:
    """The function object a site names, looked up in its module's namespace (``wf.assign``, ``list_users``),
    including what the module imports inside a function."""
    namespace = {**_lazy_imports(site.module), **vars(importlib.import_module(site.module))}
    fn = eval(compile(site.fn_source, str(site), "eval"), namespace)  # names and attributes only
    assert callable(fn), f"{site} is not a function"
    return fn  # type: ignore[no-any-return]


SITES = call_sites()


def test_only_a_backend_forwards_a_function_it_was_given() -> None:
    """The one forwarding backend is the opening database's; a page forwarding a function would hide it."""
    assert {module for module, _line, _column in forwarding_sites()} == {"ui.database_opening"}


def test_the_scan_finds_the_gui_calls() -> None:
    """A guard against a scan that silently finds nothing (a renamed attribute, a moved package)."""
    modules = {site.module for site in SITES}
    assert len(SITES) > 80
    assert {"ui.cases.case_view", "ui.intake.lookup", "ui.admin.user_dialog", "ui.reports.import_dialog",
            "ui.cases.case_table_model", "ui.dialogs.password_dialog"} <= modules
    assert all(isinstance(ast.parse(site.fn_source, mode="eval").body, ast.Name | ast.Attribute)
               for site in SITES), [str(s) for s in SITES]


def test_backend_methods_are_only_called_directly() -> None:
    """``backend.call`` / ``backend.read`` handed on as a value (``busy_call(backend.call, …)``) would hide
    the service function from the check below."""
    called = {(site.module, site.line, site.column) for site in SITES} | forwarding_sites()
    passed_on = [str(site) for site in backend_sites() if (site.module, site.line, site.column) not in called]
    assert passed_on == []


@pytest.mark.parametrize("site", SITES, ids=str)
def test_each_backend_call_is_exposed_or_a_job(site: Site) -> None:
    fn = resolve(site)
    if fn in JOB_FUNCTIONS:
        assert site.method == "call", f"{site}: a job runs as the signed-in user"
        return
    entry = call_for(fn)  # KeyError: not exposed
    assert entry.takes_actor == (site.method == "call"), \
        f"{site}: {entry.name} {'takes' if entry.takes_actor else 'does not take'} an actor"


def test_every_job_function_is_used_and_not_also_a_registry_entry() -> None:
    used = {resolve(site) for site in SITES}
    assert used >= JOB_FUNCTIONS
    for fn in JOB_FUNCTIONS:
        with pytest.raises(KeyError):
            call_for(fn)
