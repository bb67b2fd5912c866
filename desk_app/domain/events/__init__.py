"""Declared timeline events: a payload type per event kind (``payloads``) and one text for each
(``describe``), shared by the timeline, the audit log viewer and the exports."""

from desk_app.domain.events.describe import EventNames, EventText, describe_event, event_text
from desk_app.domain.events.payloads import (
    PAYLOAD_TYPES,
    EventPayload,
    UnknownEvent,
    build_payload,
    decode_payload,
    stored_payload,
)

__all__ = ["PAYLOAD_TYPES", "EventNames", "EventPayload", "EventText", "UnknownEvent", "build_payload",
           "decode_payload", "describe_event", "event_text", "stored_payload"]
