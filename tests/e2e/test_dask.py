"""Builds on a real Dask cluster (two worker processes on loopback) and from a shared cache: the bytes of a
local build, a worker killed mid-build, a worker of another version refused, bad addresses and failing
steps as their one line, a second copy of the project served from the cache without rendering."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from publish import run
from publish.cli import main
from publish.errors import PublishError
from publish.project import Project
from publish.report import Reporter
from publish.run import BuildOptions, build
from tests.projects import SEED, copy_project

if os.environ.get("CI") == "true":  # CI installs the extra (make test does): missing, it is a failure
    import distributed
else:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed (make dask)")

pytestmark = pytest.mark.e2e

SQUARE = "![A blue square, the study's logo](images/square.png)\n\n"


@pytest.fixture(autouse=True)
def _sigterm_as_it_was() -> Iterator[None]:
    """``cli.main`` makes SIGTERM an interrupt for its process: here that is pytest's, so put it back."""
    saved = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, saved)


@pytest.fixture()
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """A fixture project in tmp_path with one brand: the seed manuscript (``copies`` of it, each showing an
    image, which a worker must be sent), its references, the default brand and the product's templates."""
    from PIL import Image

    def make(name: str, copies: int = 1) -> Path:
        root = copy_project(tmp_path / name, manuscripts=["references.json"])
        for brand in (root / "styles" / "brands").iterdir():
            if brand.name != "default":
                shutil.rmtree(brand)
        (root / "manuscript" / "images").mkdir()
        Image.new("RGB", (24, 24), (30, 60, 200)).save(root / "manuscript" / "images" / "square.png")
        head, sep, body = SEED.read_text(encoding="utf-8").partition("\n---\n")
        for i in range(copies):
            (root / "manuscript" / f"handout-{i}.md").write_text(head + sep + SQUARE + body, encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, object]]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as lc, \
            distributed.Client(lc.scheduler_address, set_as_default=False) as client:
        yield lc.scheduler_address, client


OPTS = BuildOptions(formats=["html", "epub", "pdf"], editions=["standard"], jobs=1, quiet=True)


def quiet_build(root: Path, opts: BuildOptions = OPTS) -> tuple[int, list[str], list[str]]:
    out: list[str] = []
    err: list[str] = []
    code = build(Project(root), opts, Reporter(quiet=opts.quiet, verbose=opts.verbose, out=out.append,
                                                err=err.append))
    return code, out, err


def outputs(root: Path) -> dict[str, bytes]:
    build_dir = root / "build"
    return {p.relative_to(build_dir).as_posix(): p.read_bytes() for p in sorted(build_dir.rglob("*"))
            if p.is_file() and ".publish" not in p.parts}


def test_a_cluster_build_is_a_local_build_byte_for_byte(make_project: Callable[..., Path],
                                                        cluster: tuple[str, object]) -> None:
    address, _client = cluster
    local, remote = make_project("local"), make_project("remote")
    assert quiet_build(local)[0] == 0
    code, _out, err = quiet_build(remote, OPTS._replace(scheduler=address))
    assert code == 0, err
    built = outputs(remote)
    assert built == outputs(local)
    assert {"default/handout-0.pdf", "default/handout-0.epub", "default/handout-0.html",
            "default/images/square.png", "default/index.html"} <= set(built)
    # a second build on the cluster has nothing to do
    code, out, _err = quiet_build(remote, OPTS._replace(scheduler=address, quiet=False))
    assert code == 0 and "0 built" in out[-1]


def test_a_worker_killed_mid_build_is_replaced_and_the_build_completes(make_project: Callable[..., Path],
                                                                       cluster: tuple[str, object]) -> None:
    address, client = cluster
    local, remote = make_project("local", copies=3), make_project("remote", copies=3)
    assert quiet_build(local)[0] == 0
    pids = client.run(os.getpid)  # type: ignore[attr-defined]
    killed: list[str] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for worker, keys in client.processing().items():  # type: ignore[attr-defined]
                if any(str(k).startswith("publish-render-") for k in keys):
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(worker)
                    return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    code, _out, err = quiet_build(remote, OPTS._replace(scheduler=address))
    killer.join()
    assert killed, "no render was ever seen running on a worker"
    assert code == 0, err
    assert outputs(remote) == outputs(local)
    client.wait_for_workers(2, timeout=60)  # type: ignore[attr-defined]  # the nanny restarted it


def test_a_step_failing_on_a_worker_is_the_same_line_as_locally(make_project: Callable[..., Path],
                                                                cluster: tuple[str, object]) -> None:
    address, _client = cluster
    root = make_project("broken")
    template = root / "styles" / "templates" / "html" / "article.html.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n{{ brand.name( }}\n", encoding="utf-8")
    opts = OPTS._replace(formats=["html"])
    code, _out, local_err = quiet_build(root, opts)
    assert code == 1 and len(local_err) == 2  # the step's line, the summary
    code, _out, remote_err = quiet_build(root, opts._replace(scheduler=address))
    assert code == 1
    assert remote_err[0] == local_err[0] and str(template) in remote_err[0]


def test_a_worker_of_another_version_is_refused_before_any_step(make_project: Callable[..., Path],
                                                                cluster: tuple[str, object]) -> None:
    address, client = cluster
    root = make_project("refused")
    client.run(_set_version, "9.9.9")  # type: ignore[attr-defined]
    try:
        with pytest.raises(PublishError) as caught:
            quiet_build(root, OPTS._replace(scheduler=address))
    finally:
        client.run(_set_version, None)  # type: ignore[attr-defined]
    line = caught.value.format()
    assert "Dask worker tcp://127.0.0.1:" in line and "publish 9.9.9" in line and "this machine has publish 0.1" in line
    assert not (root / "build" / "default").exists()


_REAL_VERSION: list[str] = []


def _set_version(version: str | None) -> None:
    import publish

    if not _REAL_VERSION:
        _REAL_VERSION.append(publish.__version__)
    publish.__version__ = version or _REAL_VERSION[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{port}", "nonsense"])
def test_a_wrong_scheduler_address_is_one_line_within_ten_seconds(make_project: Callable[..., Path], address: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project("nowhere")
    address = address.format(port=_free_port())
    start = time.monotonic()
    assert main(["build", "-C", str(root), "--scheduler", address]) == 1
    assert time.monotonic() - start < 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and address in err[0] and err[0].startswith("error: ")
    assert not (root / "build" / "default").exists()


def test_a_build_with_nothing_to_do_and_a_dry_run_never_connect(make_project: Callable[..., Path],
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """An up-to-date project built against a scheduler nobody listens on: nothing is stale, so no client
    is started and the build exits 0 at once; --dry-run of a stale project does not connect either."""
    from publish.cluster.executor import CONNECT_SECONDS, DaskExecutor

    opened: list[str] = []
    real_open = DaskExecutor._open

    def spy(self: DaskExecutor) -> object:
        opened.append(self.address)
        return real_open(self)

    monkeypatch.setattr(DaskExecutor, "_open", spy)
    nowhere = f"tcp://127.0.0.1:{_free_port()}"
    root = make_project("done")
    assert main(["build", "-C", str(root), "--edition", "standard", "-j", "1"]) == 0
    stale = make_project("stale")
    capsys.readouterr()
    start = time.monotonic()
    assert main(["build", "-C", str(root), "--edition", "standard", "--scheduler", nowhere]) == 0
    assert main(["build", "-C", str(stale), "--dry-run", "--scheduler", nowhere]) == 0
    assert time.monotonic() - start < CONNECT_SECONDS
    assert opened == []
    captured = capsys.readouterr()
    assert "error" not in captured.err and "would build cite handout-0: never built" in captured.out
    # the same address on a build with work to do is tried, and is its one line
    assert main(["build", "-C", str(stale), "--edition", "standard", "--scheduler", nowhere]) == 1
    assert opened == [nowhere]
    assert f"cannot reach the Dask scheduler at {nowhere}" in capsys.readouterr().err


def test_without_distributed_the_scheduler_option_says_how_to_install_it(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    monkeypatch.setenv("PUBLISH_SCHEDULER", "tcp://127.0.0.1:8786")
    assert main(["build", "-C", str(make_project("plain"))]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'publish[dask]'" in err[0] and "make dask" in err[0]


def _no_rendering(*args: object) -> None:
    raise AssertionError("a step ran that the cache should have served")


def test_a_second_copy_builds_from_the_cache_without_rendering(make_project: Callable[..., Path],
                                                               cluster: tuple[str, object], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    address, _client = cluster
    cache = tmp_path / "cache"
    first, second, third = make_project("first"), make_project("second"), make_project("third")
    assert quiet_build(first, OPTS._replace(scheduler=address, cache=str(cache)))[0] == 0
    # the second copy: nothing cited or rendered (those steps would fail), the bytes of the first
    with monkeypatch.context() as m:
        for step in ("cite_step", "render_step", "index_step", "analysis_step"):
            m.setattr(run, step, _no_rendering)
        code, out, err = quiet_build(second, OPTS._replace(cache=str(cache), quiet=False))
    assert code == 0, err
    assert outputs(second) == outputs(first)
    assert f"publish: 6 step results from the cache in {cache} (not rendered)" in out
    # a damaged entry: reported, rebuilt (the same bytes again), and replaced
    pdf = outputs(first)["default/handout-0.pdf"]
    damaged = [p for p in (cache / "objects").rglob("*") if p.is_file() and p.read_bytes() == pdf]
    assert len(damaged) == 1
    damaged[0].write_bytes(pdf[:-10])
    code, out, err = quiet_build(third, OPTS._replace(cache=str(cache), quiet=False))
    assert code == 0, err
    assert [line for line in err if "damaged" in line] == [
        f"{cache}: warning: cache entry for pdf default/handout-0 is damaged (build/default/handout-0.pdf does not "
        "match its recorded hash); ignored; the step is rebuilt and its entry replaced"]
    assert outputs(third) == outputs(first)
    assert f"publish: 5 step results from the cache in {cache} (not rendered)" in out
    assert [p.read_bytes() for p in (cache / "objects").rglob("*") if p.is_file() and p.read_bytes() == pdf] == [pdf]


def _ctrl_c_heard() -> None:
    """In the child: Ctrl-C as a terminal gives it. A suite started in the background (``make test &``)
    passes SIGINT on as ignored, and Python then installs no KeyboardInterrupt handler, so the build
    would never hear the interrupt this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_cancels_the_cluster_s_work_and_leaves_build_as_a_local_interrupt_would(
        make_project: Callable[..., Path], cluster: tuple[str, object]) -> None:
    import subprocess

    address, client = cluster
    root = make_project("interrupted", copies=3)
    proc = subprocess.Popen([sys.executable, "-m", "publish.cli", "build", "--edition", "standard",
                             "--scheduler", address], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_ctrl_c_heard)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
            str(k).startswith("publish-render-") for keys in client.processing().values() for k in keys):  # type: ignore[attr-defined]
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "publish: interrupted; outputs are as they were or complete"
    deadline = time.monotonic() + 30  # the scheduler lets go of every step of that build
    while time.monotonic() < deadline and any(
            str(k).startswith(("publish-render-", "publish-index-"))
            for k in client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks))):  # type: ignore[attr-defined]
        time.sleep(0.1)
    left = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks))  # type: ignore[attr-defined]
    assert not [k for k in left if str(k).startswith("publish-")]
    assert not list((root / "build").rglob("*.tmp"))
    # what was written is complete: the next build finishes the rest and matches a local build
    local = make_project("local", copies=3)
    assert quiet_build(local)[0] == 0
    assert quiet_build(root, OPTS._replace(scheduler=address))[0] == 0
    assert outputs(root) == outputs(local)


def test_the_cache_never_serves_a_result_for_other_inputs(make_project: Callable[..., Path], tmp_path: Path) -> None:
    """The same manuscript with another bibliography: its cite step's entry does not match, so it is cited
    and rendered afresh, to what a build without the cache makes."""
    cache = str(tmp_path / "cache")
    first, second, plain = make_project("first"), make_project("second"), make_project("plain")
    opts = OPTS._replace(formats=["html"], quiet=False)
    assert quiet_build(first, opts._replace(cache=cache))[0] == 0
    for root in (second, plain):
        bib = root / "manuscript" / "references.json"
        bib.write_text(bib.read_text(encoding="utf-8").replace("Rogers", "Rogerson"), encoding="utf-8")
    code, out, _err = quiet_build(second, opts._replace(cache=cache, verbose=True))
    assert code == 0
    served = {line.split()[1] + " " + line.split()[2] for line in out if "(from cache)" in line}
    assert served == {"index default"}  # the index lists titles only: the same page, rightly shared
    assert quiet_build(plain, opts)[0] == 0
    assert outputs(second) == outputs(plain) != outputs(first)
    assert b"Rogerson" in outputs(second)["default/handout-0.html"]


def test_an_edited_template_reaches_workers_that_hold_the_old_one(make_project: Callable[..., Path],
                                                                 cluster: tuple[str, object]) -> None:
    """Workers keep the files of earlier steps: a template edited between builds must not be served from
    what they hold (a new folder, not an overwrite under a running step)."""
    address, _client = cluster
    remote, local = make_project("remote"), make_project("local")
    opts = OPTS._replace(formats=["html"])
    assert quiet_build(remote, opts._replace(scheduler=address))[0] == 0
    for root in (remote, local):
        template = root / "styles" / "templates" / "html" / "article.html.j2"
        template.write_text(template.read_text(encoding="utf-8").replace(
            '<meta property="og:type" content="article">', '<meta property="og:type" content="article">\n'
            '<meta name="edited" content="yes">'), encoding="utf-8")
    assert quiet_build(remote, opts._replace(scheduler=address))[0] == 0
    assert quiet_build(local, opts)[0] == 0
    assert b'<meta name="edited" content="yes">' in outputs(remote)["default/handout-0.html"]
    assert outputs(remote) == outputs(local)
