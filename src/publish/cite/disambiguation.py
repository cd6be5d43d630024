"""CSL's by-cite disambiguation of names (CSL 1.0.2, "Disambiguation"): add names, add given names.

Each item's choices live in ``reference["_disamb"]``, read by the name patches in :mod:`.patches`:
``names`` (how many names to show) and ``given`` (a map from a name's position to its expansion: 1 for
initials, or the full given name where the style has no initials, 2 for the full given name).

The search is citeproc-js's and pandoc's: a group of citations that render alike is worked on until its
items render apart, one step at a time, each step kept only when it tells more of the group apart.
Given names are expanded one name at a time, so only the names that differ are expanded ("Smith, Brown
& J. Jones" next to "Smith, Brown & A. Jones", not "J. Smith, J. Brown & J. Jones"). Items told apart
keep what they have; the ones still alike go on as a smaller group. Names a step shows to tell a group
apart are shown for every item of the group, the ones that stay alike too (CSL: the disambiguated form
is the cite's form, not the pair's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Ambiguous = Callable[[list[Any]], list[list[Any]]]


def choices(item: Any) -> dict:
    return dict(item.reference.get("_disamb") or {})


def _set(item: Any, key: str, value: Any) -> None:
    d = choices(item)
    if value is None:
        d.pop(key, None)
    else:
        d[key] = value
    item.reference["_disamb"] = d


def _distinct(group: list[Any], ambiguous: Ambiguous) -> int:
    """How many of the group's items render apart (an alike set of k items counts once)."""
    return len(group) - sum(len(g) - 1 for g in ambiguous(group))


def _given_step(i: int, level: int) -> Callable[[Any], None]:
    def apply(item: Any) -> None:
        given = dict(choices(item).get("given") or {})
        given[i] = max(level, given.get(i, 0))
        _set(item, "given", given)

    return apply


def _names_step(n: int) -> Callable[[Any], None]:
    def apply(item: Any) -> None:
        _set(item, "names", max(n, choices(item).get("names") or 0))

    return apply


def _steps(
    max_names: int, add_names: bool, add_given: bool, levels: tuple[int, ...]
) -> Iterator[list[Callable[[Any], None]]]:
    """The steps in CSL's order, each a list of changes made together. With add-names, each count of
    names is tried alone, then with each of its names' given names expanded in turn."""
    if add_given:
        for i in range(max_names):
            for level in levels:
                yield [_given_step(i, level)]
    if add_names:
        for n in range(2, max_names + 1):
            yield [_names_step(n)]
            if add_given:
                for i in range(n):
                    for level in levels:
                        yield [_names_step(n), _given_step(i, level)]


def resolve(
    groups: list[list[Any]],
    ambiguous: Ambiguous,
    *,
    add_names: bool,
    add_given: bool,
    levels: tuple[int, ...],
    same_people: Callable[[list[Any]], bool],
    max_names: Callable[[list[Any]], int],
) -> None:
    """Work each alike group apart as far as names can; a group names cannot help is left as it was."""
    pending = [g for g in groups if len(g) > 1]
    while pending:
        group = pending.pop(0)
        if same_people(group):
            continue  # the same names: nothing a name can show tells them apart
        before = _distinct(group, ambiguous)
        saved = [choices(it) for it in group]
        improved = False
        for step in _steps(max_names(group), add_names, add_given, levels):
            for it in group:
                for change in step:
                    change(it)
            if _distinct(group, ambiguous) > before:
                improved = True
                break
            for it, was in zip(group, saved, strict=True):
                it.reference["_disamb"] = dict(was)
        if improved:
            pending.extend(g for g in ambiguous(group) if len(g) > 1)


def global_given_names(
    items: list[Any], rule: str, family_of: Callable[[Any], str], given_of: Callable[[Any], str]
) -> None:
    """CSL's global given-name rules (all-names, primary-name and their with-initials forms), for the
    first author: a name whose family name another cited first author shares, with another given name,
    shows its initials, or its full given name when the initials are shared too ("Adam O. Horvath"
    beside "Steve Horvath" and "S. Horvath" is "A. O. Horvath"; the two S. Horvaths are "Steve" and
    "S."). Each name is judged against the others, not the family's names all together."""
    from .patches import initialize_given

    by_family: dict[str, set[str]] = {}
    for it in items:
        authors = it.reference.get("author") or []
        if authors and "family" in authors[0]:
            by_family.setdefault(family_of(authors[0]), set()).add(given_of(authors[0]))
    for it in items:
        authors = it.reference.get("author") or []
        if not authors or "family" not in authors[0]:
            continue
        mine = given_of(authors[0])
        others = by_family.get(family_of(authors[0]), set()) - {mine}
        if not others:
            continue
        initials = initialize_given(mine, ".", True)
        shared = initials in {initialize_given(g, ".", True) for g in others}
        if rule.endswith("with-initials"):
            if shared:
                continue  # "S." and "Steve" are the same initials: nothing to tell apart
            level = 1
        else:
            level = 2 if shared else 1
        _set(it, "given_first", level)


def given_level(overrides: dict, index: int) -> int:
    """The given-name expansion chosen for the name at ``index`` (0: as the style prints it)."""
    given = overrides.get("_given") or {}
    if isinstance(given, int):
        return given
    return int(given.get(index, 0))


__all__ = ["resolve", "given_level", "choices", "global_given_names"]
