"""One entry point for every developer task; needs only Python 3.10+.

    python3 tools/dev.py demo    # run the first example agent (offline, scripted)
    python3 tools/dev.py test    # run the whole test suite
    python3 tools/dev.py lint    # ruff check, ruff format --check, mypy --strict
    python3 tools/dev.py docs    # build the documentation into site/ (warnings are errors)
    python3 tools/dev.py oldest  # the test suite on Python 3.10 (the oldest supported;
                                 # integrations, examples and docs run on the newest only)
    python3 tools/dev.py ci      # all of the above + a benchmark smoke run (what CI runs)

Each task creates `.venv/` beside the repo root on first use and installs the
project with its dev extras into it; it reinstalls only when pyproject.toml
changes. Extra arguments after the task go to the underlying command.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".agentloop-installed"


def _pyproject_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    if not PY.exists():
        sys.stderr.write(f"creating virtualenv in {VENV}\n")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _pyproject_hash()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    sys.stderr.write("installing agentloop and its dev tools into .venv\n")
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run([str(PY), "-m", "pip", "install", *quiet, "--upgrade", "pip"], check=True)
    subprocess.run([str(PY), "-m", "pip", "install", *quiet, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    return subprocess.run(list(args), cwd=ROOT).returncode


def task_demo(extra: list[str]) -> int:
    return run(str(PY), "examples/first_agent.py", *extra)


def task_test(extra: list[str]) -> int:
    return run(str(PY), "-m", "pytest", *extra)


def task_lint(extra: list[str]) -> int:
    codes = [
        run(str(PY), "-m", "ruff", "check", "src", "tests", "examples", "tools"),
        run(str(PY), "-m", "ruff", "format", "--check", "src", "tests", "examples", "tools"),
        run(str(PY), "-m", "mypy", "--strict", "src"),
    ]
    return max(codes)


def task_docs(extra: list[str]) -> int:
    mkdocs = [str(PY), "-m", "mkdocs", "build", "--strict", "-d", "site", *extra]
    quiet = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's end-of-life banner
    return subprocess.run(mkdocs, cwd=ROOT, env=quiet).returncode


def task_oldest(extra: list[str]) -> int:
    """The test suite on the oldest supported Python (3.10), when this machine has it."""
    python310 = _find_python310()
    if python310 is None:
        sys.stderr.write("python3.10 not found: skipping the run on the oldest Python\n")
        return 0
    venv310 = ROOT / ".venv310"
    py = venv310 / "bin" / "python"
    if not py.exists():
        subprocess.run([python310, "-m", "venv", str(venv310)], check=True)
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run([str(py), "-m", "pip", "install", *quiet, "-e", f"{ROOT}[dev]"], check=True)
    # The library on the oldest Python; the integrations, examples and docs pages
    # (subprocess-heavy, and the same code the run on the newest Python covers)
    # run once, there, to keep CI short.
    once = ["tests/durable", "tests/mcp", "tests/examples", "tests/docs"]
    ignore = [f"--ignore={ROOT / path}" for path in once if (ROOT / path).exists()]
    return run(str(py), "-m", "pytest", "-q", *ignore, *extra)


def _find_python310() -> str | None:
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which("python3.10"), *map(str, pyenv.glob("3.10*/bin/python3.10"))]
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    return None


def task_ci(extra: list[str]) -> int:
    codes = [task_test(extra), task_lint([]), task_docs([]), task_oldest([])]
    bench = ROOT / "tools" / "bench" / "run.py"
    if bench.exists():
        codes.append(run(str(PY), str(bench), "--smoke"))
        codes.append(run(str(PY), str(bench.parent / "parser_linearity.py")))
        codes.append(run(str(PY), str(bench.parent / "partial_linearity.py")))
    return max(codes)


TASKS = {
    "demo": task_demo,
    "test": task_test,
    "lint": task_lint,
    "docs": task_docs,
    "oldest": task_oldest,
    "ci": task_ci,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        sys.stderr.write(__doc__ or "")
        return 2
    ensure_venv()
    return TASKS[argv[0]](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
