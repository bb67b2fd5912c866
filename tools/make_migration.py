"""Developer tool: autogenerate a new migration from the models.

Usage: python tools/make_migration.py "what changed" [rev_id]
It builds a scratch SQLite database at head and compares the models with it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from desk_app.db.engine import make_engine
from desk_app.db.migrate import alembic_config, upgrade_to_head


def main() -> None:
    message = sys.argv[1]
    rev_id = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}")
        upgrade_to_head(engine)
        cfg = alembic_config()
        cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
            conn.commit()
        engine.dispose()


if __name__ == "__main__":
    main()
