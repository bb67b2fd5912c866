"""``desk-server``: the use-case API over HTTPS for a branch network (Starlette on uvicorn).

The only holder of the database credentials; it signs users in, reads their role and branch on every
call and runs the same services the desktop runs on this PC, so every rule is decided here.
"""
