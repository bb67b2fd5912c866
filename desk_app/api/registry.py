"""The exposed use cases: one entry per service call that a client may make, built from its signature.

A service call takes ``(db, actor, …)`` (or ``(db, …)`` for reference reads that any signed-in user may
make) and returns dataclasses. The server supplies ``db`` and the actor of the caller's session; the
other parameters travel as a msgspec struct made from the type hints, which refuses unknown fields (an
``actor`` or ``user_id`` smuggled into a request is rejected, not ignored). Calls that take files or
progress callbacks are jobs (``desk_app.api.jobs``), not entries here.
"""

from __future__ import annotations

import inspect
from collections import abc
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, is_dataclass
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import msgspec

from desk_app.api import wire
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.validation import reject_control_characters_in
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services import (
    accounts,
    approvals,
    attachments,
    audit,
    branch_keys,
    branches,
    calendar,
    case_library,
    case_links,
    case_list,
    case_workflow,
    checklists,
    complaints,
    customers,
    dashboard,
    detail_export,
    digest,
    extensions,
    grumbles,
    handling,
    imports,
    improvements,
    legal,
    letters,
    notifications,
    opportunities,
    overview,
    personal_data,
    portraits,
    prevention,
    quality,
    reference,
    retention,
    risk_signals,
    statistics,
    team,
)

#: Every exposed call, by module. Each name is ``module.function`` on the wire.
EXPOSED: dict[Any, tuple[str, ...]] = {
    accounts: ("create_user", "change_password", "must_change_password", "list_users", "update_user",
               "reset_password", "unlock_user"),
    approvals: ("approval_queue",),
    attachments: ("add_attachments", "list_attachments", "read_attachment"),
    audit: ("list_entries", "verify_log"),
    branch_keys: ("own_signing_key", "registered_signing_key", "register_signing_key"),
    branches: ("list_branches", "create_branch", "update_branch", "handlers_may_take", "set_handlers_may_take"),
    calendar: ("list_years", "enter_year_schedule"),
    case_library: ("mark_case", "remove_entry", "search_library", "get_entry", "similar_to"),
    case_links: ("list_links", "link_cases", "unlink_cases", "merge_cases"),
    case_list: ("count_cases", "fetch_page", "open_list", "branches"),
    case_workflow: ("perform", "assign", "transfer", "move_stage", "pause", "resume", "extend", "escalate",
                    "record_first_contact", "add_note", "transfer_targets", "take_case", "may_take"),
    checklists: ("check_checklist_import", "import_checklist", "list_definitions", "applicable_checklists",
                 "get_checklist", "tick_step", "untick_step", "conversation_aid"),
    complaints: ("register_complaint", "get_complaint", "find_by_number", "update_complaint"),
    customers: ("find_customers", "open_customer", "intake_options"),
    digest: ("set_email_address", "my_email_address"),
    extensions: ("decide_extension",),
    grumbles: ("record_grumble", "get_grumble", "list_grumbles", "link_complaint"),
    handling: ("record_stage", "add_contact", "propose_resolution", "decide_resolution",
               "record_customer_decision", "resolutions", "record_callback", "callbacks", "case_file"),
    imports: ("save_mapping", "load_mapping", "list_mappings", "delete_mapping"),
    improvements: ("record_root_cause", "get_root_cause", "create_action", "update_action", "set_action_state",
                   "link_cases", "unlink_case", "get_action", "list_actions", "complete_action", "review_action"),
    legal: ("load_reference", "reference_version", "search", "get_article", "check_legal_import",
            "import_legal_reference", "cite", "citations"),
    letters: ("issue_letter", "preview_letter", "reprint", "correct_letter", "record_delivery", "list_letters",
              "get_letter", "available_kinds", "suggested_inputs", "letters_due_today"),
    notifications: ("current_notifications", "mark_read"),
    opportunities: ("add_opportunity", "list_opportunities", "list_for_case"),
    overview: ("case_overview",),
    personal_data: ("reveal_customer",),
    portraits: ("save_portrait", "portrait_history", "latest_portrait_info", "trend"),
    prevention: ("prevention_funnel", "opportunity_summary"),
    quality: ("scorecard", "draw_sample", "list_samples", "score_sample", "my_results"),
    reference: ("list_taxonomy", "list_items", "current_versions"),
    statistics: ("compute_statistics",),
    dashboard: ("dashboard_data",),
    retention: ("candidates", "anonymise"),
    team: ("team_figures", "handler_loads"),
    risk_signals: ("check_word_list_import", "import_word_list", "word_list_versions", "suggest_flags",
                   "confirm_flag"),
}


#: Modules whose calls keep the wire name of the module they lived in before a split (the statistics, the
#: dashboard and the detail export were ``reports``), so a client and a server of another release still
#: understand each other.
WIRE_MODULES: dict[Any, str] = {statistics: "reports", dashboard: "reports", detail_export: "reports"}


def wire_module(module: Any) -> str:
    """The first part of the wire name of ``module``'s calls."""
    name: str = module.__name__
    return WIRE_MODULES.get(module, name.rsplit(".", 1)[-1])


class Tagged(msgspec.Struct, frozen=True):
    """A value of a union of dataclasses (letter inputs), which JSON alone cannot tell apart: the class
    name travels beside the value."""

    type: str
    value: msgspec.Raw


def _dataclass_union(hint: Any) -> tuple[type, ...]:
    """The dataclass members of ``hint`` when it is a union of two or more dataclasses (None allowed)."""
    members = get_args(hint) if isinstance(hint, UnionType) or get_origin(hint) is Union else ()
    classes = tuple(m for m in members if isinstance(m, type) and is_dataclass(m))
    return classes if len(classes) > 1 and all(m is type(None) or m in classes for m in members) else ()


#: Abstract collections in service signatures, and the concrete type they travel as (msgspec would
#: otherwise decode their items untyped).
_CONCRETE: dict[Any, Any] = {abc.Iterable: list, abc.Sequence: list, abc.Collection: list, abc.Set: frozenset,
                             abc.Mapping: dict}


def _wire_type(hint: Any) -> Any:
    if _dataclass_union(hint):
        return Tagged | None if type(None) in get_args(hint) else Tagged
    concrete = _CONCRETE.get(get_origin(hint))
    if concrete is not None:
        return concrete[tuple(_wire_type(arg) for arg in get_args(hint))]
    if isinstance(hint, UnionType) or get_origin(hint) is Union:
        return Union[tuple(_wire_type(arg) for arg in get_args(hint))]  # noqa: UP007 (built from a tuple)
    return hint


def _to_wire(hint: Any, value: Any) -> Any:
    if value is None or not _dataclass_union(hint):
        return value
    return Tagged(type(value).__name__, msgspec.Raw(wire.encode(value)))


def _from_wire(hint: Any, value: Any) -> Any:
    if not isinstance(value, Tagged):
        return value
    classes = {cls.__name__: cls for cls in _dataclass_union(hint)}
    if value.type not in classes:
        raise ValidationError(_("The request names an unknown kind of input: {kind}.").format(kind=value.type))
    return msgspec.json.decode(value.value, type=classes[value.type])


@dataclass(frozen=True)
class Codec:
    """How a parameter travels when msgspec cannot take it from its type hint alone (a sequence mixing ids
    and dataclasses, a dataclass holding a union of dataclasses): the type it travels as, and the two
    conversions."""

    wire_hint: Any
    to_wire: Callable[[Any], Any]
    from_wire: Callable[[Any], Any]


def _encoder(enc_hook: Callable[[Any], Any] | None) -> msgspec.json.Encoder:
    return msgspec.json.Encoder(decimal_format="string", enc_hook=enc_hook)


#: Parameters a client may never set: they name files on the server (a letter template folder). They are
#: left out of the wire struct, so a request that names one is refused as an unknown field.
SERVER_ONLY = frozenset({"templates_dir"})


@dataclass(frozen=True)
class Call:
    """One exposed use case: its wire name, the function, and the types that its arguments and result
    travel as."""

    name: str
    fn: Callable[..., Any]
    takes_actor: bool
    hints: dict[str, Any]
    params: type[msgspec.Struct]
    codecs: Mapping[str, Codec] = field(default_factory=dict)

    @property
    def result_hint(self) -> Any:
        return self.hints.get("return", Any)

    def encode_params(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
        """The arguments a client passes after ``db`` (and ``actor``), as the request body."""
        leading = (None, None) if self.takes_actor else (None,)
        bound = inspect.signature(self.fn).bind(*leading, *args, **kwargs)
        return self.encode_arguments(dict(list(bound.arguments.items())[len(leading):]))

    def encode_arguments(self, values: Mapping[str, Any]) -> bytes:
        """Arguments by parameter name (those the params struct has) as the request body."""
        return wire.encode({name: self._to_wire(name, value) for name, value in values.items()})

    def _to_wire(self, name: str, value: Any) -> Any:
        codec = self.codecs.get(name)
        return codec.to_wire(value) if codec is not None else _to_wire(self.hints[name], value)

    def decode_params(self, body: bytes) -> dict[str, Any]:
        """The request body as keyword arguments; a msgspec.ValidationError names a wrong or unknown field."""
        params = msgspec.json.decode(body or b"{}", type=self.params)
        decoded: dict[str, Any] = {}
        for name in params.__struct_fields__:
            value, codec = getattr(params, name), self.codecs.get(name)
            decoded[name] = codec.from_wire(value) if codec is not None else _from_wire(self.hints[name], value)
        reject_control_characters_in(decoded)  # a clear ValidationError, before any query sees a NUL
        return decoded

    def encode_result(self, value: Any, enc_hook: Callable[[Any], Any] | None = None) -> bytes:
        """The result as the answer body; ``enc_hook`` encodes types msgspec does not know (see msgspec)."""
        wired = _to_wire(self.result_hint, value)
        return wire.encode(wired) if enc_hook is None else _encoder(enc_hook).encode(wired)

    def decode_result(self, body: bytes, dec_hook: Callable[[type, Any], Any] | None = None) -> Any:
        """The answer body as the result; ``dec_hook`` decodes types msgspec does not know (see msgspec)."""
        return _from_wire(self.result_hint, msgspec.json.decode(body, type=_wire_type(self.result_hint),
                                                                 dec_hook=dec_hook))

    def invoke(self, db: Database, actor: Actor, arguments: dict[str, Any]) -> Any:
        return self.fn(db, actor, **arguments) if self.takes_actor else self.fn(db, **arguments)


def _describe(module_name: str, fn: Callable[..., Any], *, skip: Collection[str] = (),
              codecs: Mapping[str, Codec] | None = None) -> Call:
    """The Call of ``fn``: its parameters after ``db`` (and ``actor``) as a msgspec struct made from the type
    hints, except those in ``skip`` (supplied otherwise, e.g. the files and callbacks of a job); a parameter
    in ``codecs`` travels as its codec says."""
    codecs = dict(codecs or {})
    name = f"{module_name}.{fn.__name__}"
    hints = get_type_hints(fn)
    parameters = list(inspect.signature(fn).parameters.values())
    takes_actor = len(parameters) > 1 and hints.get(parameters[1].name) is Actor
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for parameter in parameters[2 if takes_actor else 1:]:
        if parameter.name in skip:
            continue
        codec = codecs.get(parameter.name)
        hint = codec.wire_hint if codec is not None else _wire_type(hints[parameter.name])
        if parameter.default is inspect.Parameter.empty:
            fields.append((parameter.name, hint))
        else:
            default = parameter.default if codec is None or parameter.default is None else codec.to_wire(
                parameter.default)
            fields.append((parameter.name, hint, default))
    params = msgspec.defstruct(name.replace(".", "_") + "_params", fields, kw_only=True, forbid_unknown_fields=True,
                               frozen=True)
    return Call(name, fn, takes_actor, hints, params, codecs)


@cache
def calls() -> dict[str, Call]:
    """Every exposed call by wire name."""
    table: dict[str, Call] = {}
    for module, names in EXPOSED.items():
        for function_name in names:
            call = _describe(wire_module(module), getattr(module, function_name), skip=SERVER_ONLY)
            table[call.name] = call
    return table


@cache
def _by_function() -> dict[Callable[..., Any], Call]:
    return {call.fn: call for call in calls().values()}


def call_for(fn: Callable[..., Any]) -> Call:
    """The registry entry of a service function; a KeyError names a function that is not exposed."""
    try:
        return _by_function()[fn]
    except KeyError:
        raise KeyError(f"{fn.__module__}.{fn.__qualname__} is not an exposed call (desk_app.api.registry)") from None
