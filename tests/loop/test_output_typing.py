"""``mypy --strict`` sees ``result.output`` as the ``output_type`` (tests/loop/typed_output.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
WRONG = """
from pydantic import BaseModel
from agentloop import Agent

class City(BaseModel):
    name: str

name: int = Agent("m", output_type=City).run("q").output.name
"""


def mypy(tmp_path: Path, name: str) -> list[str]:
    root = HERE.parents[1]
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(root / "src"), "PATH": ""},
    )
    return [line for line in out.stdout.splitlines() if ": error:" in line]


def test_mypy_sees_the_output_type(tmp_path: Path):
    pytest.importorskip("mypy")
    shutil.copy(HERE / "typed_output.py", tmp_path / "typed_output.py")
    (tmp_path / "wrong.py").write_text(WRONG)
    assert mypy(tmp_path, "typed_output.py") == []
    errors = mypy(tmp_path, "wrong.py")
    assert len(errors) == 1 and 'expression has type "str", variable has type "int"' in errors[0]
