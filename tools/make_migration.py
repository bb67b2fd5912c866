"""Developer tool: autogenerate a new migration from the models.

Usage: python tools/make_migration.py "what changed" [rev_id]
(a rev_id already taken is replaced by the next free four-digit number)
It builds a scratch SQLite database at head and compares the models with it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from desk_app.db.engine import make_engine
from desk_app.db.migrate import alembic_config, upgrade_to_head


def main() -> None:
    message = sys.argv[1]
    rev_id = sys.argv[2] if len(sys.argv) > 2 else None
    taken = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if rev_id is None or rev_id in taken:
        numbers = [int(r) for r in taken if r.isdigit()]
        rev_id = f"{max(numbers, default=0) + 1:04d}"
        print(f"using revision id {rev_id}")
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
