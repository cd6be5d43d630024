"""The ``check:`` section of the project's settings file (``publish.yml``): acknowledged findings.

An acknowledgement names a rule and a file, and says why::

    check:
      acknowledge:
        - rule: axe color-contrast
          file: manuscript/sleep.md
          reason: the chart's labels are described in the text below it

It applies to that rule's findings in that file only (a manuscript, template or brand file, or an output
when the finding is not located): nothing is silenced for the whole project, and the reason is printed on
every run, where the finding would have been. An acknowledgement that matches nothing is itself reported,
so the list cannot outlive the faults it was written for.

The file is read by the project's settings schema (:func:`publish.config.read_project_settings`), which keeps
this section as written; it is checked here, every problem at its ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from ..config import YamlPlaces, read_project_settings
from ..errors import PublishError, PublishErrors, Warning_
from ..project import Project
from .findings import Finding, rule_id, rule_tools

SETTINGS_FILE = "publish.yml"  # as findings name it: project-relative (Project.settings_file is absolute)


class Acknowledgement(NamedTuple):
    rule: str
    file: str
    reason: str
    line: int | None = None
    col: int | None = None


def load(project: Project) -> list[Acknowledgement]:
    """The acknowledgements of ``publish.yml``'s ``check:`` section. The file itself (its YAML, its other
    keys) is read and checked by the project's settings schema, which hands this section over as written."""
    path = project.settings_file
    settings, _ = read_project_settings(path)  # its own warnings are the build's to print
    section = settings.sections.get("check")
    if not section:
        return []
    return parse(section, YamlPlaces.parse(path.read_text(encoding="utf-8")))


def parse(section: Any, places: YamlPlaces) -> list[Acknowledgement]:
    """Every acknowledgement, or every problem of the section at once."""
    errors: list[PublishError] = []

    def error(keys: list[Any], message: str, hint: str) -> None:
        line, col = places.of(keys)
        errors.append(PublishError(message, file=SETTINGS_FILE, line=line, col=col, hint=hint))

    if not isinstance(section, dict):
        error(["check"], "check: must be a mapping", "write check: then acknowledge: on the next line, indented")
        PublishErrors.check(errors)
    for key in section:
        if key != "acknowledge":
            error(["check", key], f"unknown setting check.{key}", "the check section has acknowledge: only")
    items = section.get("acknowledge") or []
    if not isinstance(items, list):
        error(["check", "acknowledge"], "check.acknowledge must be a list",
              "write one '- rule: ..., file: ..., reason: ...' item per finding")
        items = []
    found = []
    for n, item in enumerate(items):
        keys = ["check", "acknowledge", n]
        if not isinstance(item, dict):
            error(keys, "an acknowledgement must have rule:, file: and reason:",
                  "e.g. - {rule: axe color-contrast, file: manuscript/x.md, reason: why}")
            continue
        for key in item:
            if key not in ("rule", "file", "reason"):
                error([*keys, key], f"unknown key '{key}' in an acknowledgement", "use rule:, file: and reason:")
        missing = [k for k in ("rule", "file", "reason") if not str(item.get(k) or "").strip()]
        if missing:
            error(keys, f"acknowledgement without {', '.join(missing)}",
                  "name the rule and the file it applies to, and say why (nothing is silenced everywhere)")
            continue
        rule = " ".join(str(item["rule"]).split())
        if " " not in rule:
            error([*keys, "rule"], f"rule '{rule}' does not name its validator",
                  "write it as the finding shows it, e.g. axe color-contrast")
            continue
        found.append(Acknowledgement(rule, Path(str(item["file"]).strip()).as_posix(),
                                     " ".join(str(item["reason"]).split()), *places.of(keys)))
    PublishErrors.check(errors)
    return found


def apply(findings: Iterable[Finding], acks: list[Acknowledgement]) -> tuple[list[Finding], list[Warning_]]:
    """Findings with their acknowledgement's reason; a warning for each acknowledgement that matched none."""
    used: set[int] = set()
    out = []
    for f in findings:
        for i, ack in enumerate(acks):
            tool, _, rule = ack.rule.partition(" ")
            if (tool in rule_tools(f.rule) and rule == rule_id(f.rule)
                    and (ack.file == f.file or ack.file in f.outputs)):
                f = f._replace(reason=ack.reason)
                used.add(i)
                break
        out.append(f)
    stale = [Warning_(f"acknowledgement of {a.rule} in {a.file} matches no finding", SETTINGS_FILE, a.line, a.col,
                      "remove it from check.acknowledge") for i, a in enumerate(acks) if i not in used]
    return out, stale
