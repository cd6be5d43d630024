"""One Jinja2 environment: StrictUndefined, autoescape, a search path brand -> format -> base.

A brand may override any template by putting a file of the same name in
``styles/brands/<brand>/templates/``; otherwise the format's own folder, then ``base/``, is used.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PublishError

if TYPE_CHECKING:
    import jinja2


@functools.lru_cache(maxsize=32)
def environment(search_path: tuple[Path, ...]) -> jinja2.Environment:
    """One environment per search path, a bounded few kept. Jinja2 checks each template's file stamp
    when it is used (``auto_reload``), so an edited template is compiled again in a long-running process."""
    import jinja2  # here, not at the top: the pipeline lists template files without rendering any

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path if p.is_dir()]),
        # Markup is escaped; stylesheets (*.css.j2) are not HTML and must not be.
        autoescape=_escape_for,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    return env


def search_path(templates: Path, brand_folder: Path | None, fmt: str) -> tuple[Path, ...]:
    paths = []
    if brand_folder is not None:
        paths.append(brand_folder / "templates")
    paths += [templates / fmt, templates / "base"]
    return tuple(paths)


def _escape_for(name: str | None) -> bool:
    return name is None or not name.endswith((".css.j2", ".css"))


def render(name: str, paths: tuple[Path, ...], context: dict[str, Any]) -> str:
    """Render a template; any Jinja2 error becomes one line naming the template and its line."""
    import jinja2

    env = environment(paths)
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise PublishError(
            f"template error: {exc.message}",
            file=exc.filename or name,
            line=exc.lineno,
            hint="fix the template's Jinja2 syntax",
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise PublishError(f"template '{exc.name}' not found", file=name,
                           hint="searched " + ", ".join(str(p) for p in paths)) from None
    except jinja2.UndefinedError as exc:
        line = _template_line(exc)
        raise PublishError(
            f"template error: {exc.message}",
            file=line[0] or name,
            line=line[1],
            hint="the template uses a value that publish does not provide; check its spelling",
        ) from None


def _template_line(exc: BaseException) -> tuple[str | None, int | None]:
    """Find the template frame in the traceback: Jinja2 compiles templates to Python code."""
    tb = exc.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".css", ".xhtml")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def precompile(paths: tuple[Path, ...]) -> None:
    """Compile every Jinja2 template on a search path into its environment's cache, so a worker can do
    it while it waits for its first document. A template that does not compile is left for the render
    to report."""
    import jinja2

    env = environment(paths)
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        with contextlib.suppress(jinja2.TemplateError):
            env.get_template(name)


def template_files(paths: tuple[Path, ...]) -> list[Path]:
    """Every template file a format could use (for the pipeline's keys)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file()))
    return files
