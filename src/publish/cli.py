"""Command line: ``publish build``, ``check`` and ``serve``. Maps every bad input to one line and exit status 1.

A Python traceback reaches the user only with ``--debug``; anything else that escapes is a bug in
publish and is reported as one line that says so.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from . import __version__
from .errors import PublishError


def _formats_help(full: bool) -> str:
    """The --format choices, from the format registry; imported only when help is asked for (a build
    checks the names itself, with did-you-mean)."""
    if not full:
        return "only this format (repeatable; default: every format)"
    from .formats import declarations

    return "only this format (repeatable; default: every format): " + ", ".join(declarations())


def _selection(command: argparse.ArgumentParser, full_help: bool) -> None:
    """What a command covers, alike for build, check and serve: manuscripts, --brand, --format."""
    command.add_argument("manuscripts", nargs="*", type=Path, metavar="MANUSCRIPT")
    command.add_argument("--brand", action="append", dest="brands", metavar="NAME")
    command.add_argument("--format", action="append", dest="formats", metavar="FORMAT", help=_formats_help(full_help))


def _parser(full_help: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="publish", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build outputs (default: every manuscript, brand and format)")
    _selection(build, full_help)
    build.add_argument("--edition", action="append", dest="editions", metavar="standard|large-print",
                       help="only these editions (default: every edition; large-print is a PDF edition)")
    build.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                       help="parallel processes (default: the number of CPUs)")
    build.add_argument("-n", "--dry-run", action="store_true", help="say what would be rebuilt, and why")
    build.add_argument("--strict", action="store_true", help="turn warnings into errors")
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary of work")
    build.add_argument("-v", "--verbose", action="store_true", help="also list up-to-date outputs and reasons")
    build.add_argument("--debug", action="store_true", help="show Python tracebacks")
    build.add_argument("-C", "--project", type=Path, default=None, help="the project folder (default: here)")
    build.add_argument("--scheduler", default=os.environ.get("PUBLISH_SCHEDULER", ""), metavar="tcp://HOST:PORT",
                       help="render on this Dask cluster (default: $PUBLISH_SCHEDULER; needs publish[dask])")
    build.add_argument("--cache", default=os.environ.get("PUBLISH_CACHE", ""), metavar="DIR",
                       help="a shared cache of step outputs, by content (default: $PUBLISH_CACHE)")
    check = sub.add_parser("check", help="build what is stale, then check the outputs with the reference validators")
    _selection(check, full_help)
    check.add_argument("--edition", action="append", dest="editions", metavar="standard|large-print",
                       help="only these editions (default: every edition)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too (axe best practice, Ace moderate)")
    check.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                       help="parallel processes for the build (default: the number of CPUs)")
    check.add_argument("-q", "--quiet", action="store_true", help="print only findings and the summary")
    check.add_argument("--debug", action="store_true", help="show Python tracebacks")
    check.add_argument("-C", "--project", type=Path, default=None, help="the project folder (default: here)")
    cache = sub.add_parser("cache", help="look after the shared cache of step outputs")
    cache_sub = cache.add_subparsers(dest="action", required=True)
    for name, what in (("stats", "what the cache holds"), ("prune", "remove the least recently used results")):
        action = cache_sub.add_parser(name, help=what)
        action.add_argument("--cache", default=os.environ.get("PUBLISH_CACHE", ""), metavar="DIR",
                            help="the cache folder (default: $PUBLISH_CACHE)")
        if name == "prune":
            action.add_argument("--max-size", required=True, metavar="SIZE", help="keep at most this much, e.g. 2GB")
    serve = sub.add_parser("serve", help="build, serve build/ on 127.0.0.1, rebuild and reload on every change")
    _selection(serve, full_help)
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default: 8000; 0: a free one)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--open", action="store_true", dest="open_browser", help="open the listing in a browser")
    serve.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                       help="parallel processes (default: the number of CPUs)")
    serve.add_argument("--strict", action="store_true", help="turn warnings into errors")
    serve.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary of work")
    serve.add_argument("--debug", action="store_true", help="show Python tracebacks")
    serve.add_argument("-C", "--project", type=Path, default=None, help="the project folder (default: here)")
    return parser


_MAIN_PID = [os.getpid()]  # the process that installed the handler (set again by main)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM behaves like Ctrl-C: stop, leave every output as it was or complete.

    A pool worker forked before its initializer has set its own handler inherits this one; there it
    ends the worker as SIGTERM means to (an interrupted build stops its workers so), instead of raising
    KeyboardInterrupt and printing a traceback."""
    if os.getpid() != _MAIN_PID[0]:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(full_help="-h" in argv or "--help" in argv).parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get("PUBLISH_DEBUG") == "1"
    _MAIN_PID[0] = os.getpid()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "cache":
            return _cache(args)
        if args.command == "check":
            return _check(args)
        if args.command == "serve":
            return _serve(args)
        return 2
    except PublishError as exc:
        if debug:
            raise
        print(exc.format(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("publish: interrupted; outputs are as they were or complete", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in publish, not bad input
        if debug:
            raise
        print(f"error: internal error in publish: {exc!r}; rerun with --debug and report it", file=sys.stderr)
        return 1


def _build(args: argparse.Namespace) -> int:
    from .project import Project
    from .run import BuildOptions, build

    project = Project.find(args.project)
    if args.jobs < 0:
        raise PublishError(f"-j {args.jobs} is not a number of jobs", hint="use -j 1 or more")
    options = BuildOptions(
        manuscripts=args.manuscripts or None,
        brands=args.brands,
        formats=args.formats,
        editions=args.editions,
        jobs=args.jobs,
        dry_run=args.dry_run,
        strict=args.strict,
        quiet=args.quiet,
        verbose=args.verbose,
        debug=args.debug,
        scheduler=args.scheduler,
        cache=args.cache,
    )
    return build(project, options)


def _check(args: argparse.Namespace) -> int:
    from .check import CheckOptions, check
    from .project import Project

    project = Project.find(args.project)
    if args.jobs < 0:
        raise PublishError(f"-j {args.jobs} is not a number of jobs", hint="use -j 1 or more")
    return check(project, CheckOptions(manuscripts=args.manuscripts or None, brands=args.brands,
                                       formats=args.formats, editions=args.editions, jobs=args.jobs,
                                       strict=args.strict, quiet=args.quiet, debug=args.debug))


def _serve(args: argparse.Namespace) -> int:
    from .project import Project
    from .run import BuildOptions
    from .serve import ServeOptions, serve

    project = Project.find(args.project)
    if args.jobs < 0:
        raise PublishError(f"-j {args.jobs} is not a number of jobs", hint="use -j 1 or more")
    options = BuildOptions(manuscripts=args.manuscripts or None, brands=args.brands, formats=args.formats,
                           jobs=args.jobs, strict=args.strict, quiet=args.quiet, debug=args.debug)
    return serve(project, ServeOptions(options, host=args.host, port=args.port, open_browser=args.open_browser))


def _cache(args: argparse.Namespace) -> int:
    from .cache import Cache, describe, human, parse_size
    from .cache_store import is_url

    if not args.cache:
        raise PublishError("no cache folder given", hint="use --cache DIR or set PUBLISH_CACHE")
    limit = parse_size(args.max_size) if args.action == "prune" else 0
    if not is_url(args.cache) and not Path(args.cache.removeprefix("file://")).is_dir():
        raise PublishError("no cache here", file=args.cache, hint="give the folder builds used with --cache")
    cache = Cache.open(args.cache)
    if args.action == "prune":
        removed, freed = cache.prune(limit)
        print(f"publish: removed {removed} step results, freed {human(freed)}")
    print(describe(cache.stats(), cache.folder))
    return 0


def run() -> None:
    """The console script: ``main``, then out without tearing the interpreter down (its modules, the cited
    documents) object by object, which a finished build does not need: every file is written and closed,
    the executors are shut down, and only the streams are left to flush."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
