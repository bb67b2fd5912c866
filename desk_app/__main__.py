"""``python -m desk_app`` is ``desk-cli`` (desk_app.cli.main)."""

from desk_app.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
