"""`scripts/setup` run twice: the second run skips `npm ci` and `pip install`, and a changed lock file
or pyproject.toml brings back only its own step.

The script runs in a copy of the repository whose `npm`, `node` and venv Python record what they are
asked to do instead of installing (the venv check itself runs on this repository's real venv).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from tests.servers import REPO

NPM = """#!/bin/sh
echo "npm $*" >> "$SETUP_LOG"
mkdir -p node_modules/.bin
printf '#!/bin/sh\\necho "Version 7.0.2"\\n' > node_modules/.bin/tsc
chmod +x node_modules/.bin/tsc
"""
NODE = """#!/bin/sh
echo v22.0.0
"""
# pip is recorded, not run; anything else (the requirements check) runs on the real venv.
VENV_PYTHON = f"""#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then shift 2; echo "pip $*" >> "$SETUP_LOG"; exit 0; fi
exec {sys.executable} "$@"
"""
FARM = """#!/bin/sh
exit 0
"""
UPGRADE_PIP, INSTALL = "pip install --quiet --upgrade pip", "pip install --quiet -e ."
NPM_CI = "npm ci --no-audit --no-fund --loglevel=error"


def _script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _sandbox(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    for name in ("scripts/setup", "pyproject.toml", "package.json", "package-lock.json"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, repo / name)
    _script(repo / ".venv" / "bin" / "python", VENV_PYTHON)
    _script(repo / ".venv" / "bin" / "farm", FARM)
    _script(tmp_path / "bin" / "npm", NPM)
    _script(tmp_path / "bin" / "node", NODE)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "SETUP_LOG": str(tmp_path / "log")}
    return repo, env


def _setup(repo: Path, env: dict[str, str]) -> tuple[list[str], str]:
    """The installers the run called, and what it printed."""
    log = Path(env["SETUP_LOG"])
    log.unlink(missing_ok=True)
    done = subprocess.run([str(repo / "scripts" / "setup")], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return log.read_text().splitlines() if log.exists() else [], done.stdout


def test_a_second_run_installs_nothing(tmp_path: Path) -> None:
    repo, env = _sandbox(tmp_path)
    first, _ = _setup(repo, env)
    assert first == [UPGRADE_PIP, INSTALL, NPM_CI]
    second, out = _setup(repo, env)
    assert second == []
    assert "node_modules already installed from package-lock.json" in out and ".venv already has" in out


def test_a_changed_lock_file_or_pyproject_reruns_its_step_only(tmp_path: Path) -> None:
    repo, env = _sandbox(tmp_path)
    _setup(repo, env)
    lock = repo / "package-lock.json"
    lock.write_text(lock.read_text().replace('"lockfileVersion"', '"lockfileVersion" ', 1))
    assert _setup(repo, env)[0] == [NPM_CI]
    with (repo / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n# changed\n")
    assert _setup(repo, env)[0] == [UPGRADE_PIP, INSTALL]
    shutil.rmtree(repo / "node_modules")  # deleted by hand: installed again
    assert _setup(repo, env)[0] == [NPM_CI]
