"""What client and server agree on: the protocol version and the HTTP names they use.

Raise ``PROTOCOL_VERSION`` whenever a call's arguments or results change shape; an older client is then
told at sign-in to update the app instead of failing later on a call it does not understand.
"""

from __future__ import annotations

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
PROTOCOL_HEADER = "X-Desk-Protocol"
#: The media type of every request and response body that is not a file.
JSON = "application/json"
