"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _block_after(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"## {re.escape(heading)}.*?```bash\n(.*?)\n```", readme, re.S)
    assert match, heading
    return match.group(1)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    command = _block_after("Run the tests")
    assert "pytest" in command
    assert command in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()


def test_readme_commands_name_existing_package_lists() -> None:
    for heading in ("Start the app", "Run the tests"):
        for name in re.findall(r"\.ci/apt-[a-z]+\.txt", _block_after(heading)):
            assert (ROOT / name).is_file(), name
