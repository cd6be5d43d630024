"""The plan as a pure function: no process, no file. What a build, --dry-run, pruning and the index read."""

from __future__ import annotations

from publish.formats import declarations
from publish.plan import (
    CITE,
    INDEX,
    RENDER,
    SETTINGS,
    Alternate,
    DocInfo,
    Selection,
    analysis_steps,
    cite_steps,
    editions_of,
    index_steps,
    plan,
    render_steps,
    settings_steps,
    translation_of,
)

FORMATS = declarations()
MS = ("manuscript/a.md", "manuscript/b.md")


def sel(manuscripts: tuple[str, ...] = MS, brands: tuple[str, ...] = ("default", "riverside"),
        formats: tuple[str, ...] | None = None, editions: tuple[str, ...] | None = None) -> Selection:
    return Selection(manuscripts, brands, formats or tuple(FORMATS), editions, MS, ("default", "riverside"))


def info(stem: str, brands: tuple[str, ...] | None = None, digest: str = "d1") -> DocInfo:
    return DocInfo(stem, f"manuscript/{stem}.md", stem.title(), "", "en-US", brands, digest)


def inputs(brand: str, fmt: str) -> tuple[str, ...]:
    return (f"styles/brands/{brand}/_brand.yml",) + ((f"styles/templates/{fmt}/x.j2",) if fmt else ())


def nothing_built(stem: str, brand: str) -> set[tuple[str, str]]:
    return set()


DOCS = {"a": info("a"), "b": info("b", brands=("riverside",))}


def names(steps: list) -> set[str]:
    return {s.name for s in steps}


def test_every_output_of_every_manuscript_and_brand() -> None:
    steps = plan(sel(), {"a": info("a")}, FORMATS, inputs, nothing_built, "v1")
    renders = [s for s in steps if s.kind == RENDER]
    per_brand = sum(len(f.editions) for f in FORMATS.values())
    assert len(renders) == 2 * per_brand
    assert "pdf:large-print riverside/a" in names(renders) and "html default/a" in names(renders)
    assert [s.kind for s in steps][:2] == [CITE, CITE]  # b has no DocInfo yet: its cite step only
    assert steps[-1].kind == INDEX


def test_front_matter_brands_limit_the_outputs() -> None:
    """`brands: [riverside]` in b: nothing of b for default, and default's index leaves b out."""
    steps = plan(sel(), DOCS, FORMATS, inputs, nothing_built, "v1")
    assert not [s for s in steps if s.manuscript == "b" and s.brand == "default"]
    assert [s for s in steps if s.manuscript == "b" and s.brand == "riverside"]
    index = {s.brand: s for s in steps if s.kind == INDEX}
    assert [e["stem"] for e in index["default"].entries] == ["a"]
    assert [e["stem"] for e in index["riverside"].entries] == ["a", "b"]


def test_format_and_edition_selection() -> None:
    steps = render_steps(sel(formats=("pdf",), editions=("large-print",)), info("a"), FORMATS, inputs,
                         nothing_built, "v1")
    assert names(steps) == {"pdf:large-print default/a", "pdf:large-print riverside/a"}
    assert all(s.heavy for s in steps)
    assert steps[0].targets == ("build/default/a.large-print.pdf",)


def test_one_web_page_then_the_heavy_renders_come_first() -> None:
    steps = render_steps(sel(), info("a"), FORMATS, inputs, nothing_built, "v1")
    assert steps[0].format == "html" and steps[0].brand == "default" and not steps[0].heavy
    heavy = [s.heavy for s in steps[1:]]
    assert heavy == sorted(heavy, reverse=True) and heavy[0]
    assert len(steps) == len({s.name for s in steps})
    no_page = render_steps(sel(formats=("pdf", "epub")), info("a"), FORMATS, inputs, nothing_built, "v1")
    assert no_page[0].heavy and [s.heavy for s in no_page] == sorted((s.heavy for s in no_page), reverse=True)


def test_page_links_only_what_is_built() -> None:
    only_html = render_steps(sel(formats=("html",)), info("a"), FORMATS, inputs, nothing_built, "v1")
    assert [link.href for link in only_html[0].links] == ["a.html"]

    def pdf_before(stem: str, brand: str) -> set[tuple[str, str]]:
        return {("pdf", "")}

    with_pdf = render_steps(sel(formats=("html",)), info("a"), FORMATS, inputs, pdf_before, "v1")
    assert [link.href for link in with_pdf[0].links] == ["a.html", "a.pdf"]
    assert with_pdf[0].config != only_html[0].config  # a new sibling re-renders the page


def test_index_links_standard_editions_of_built_formats() -> None:
    steps = index_steps(sel(formats=("html", "pdf")), {"a": info("a")}, FORMATS, inputs, nothing_built, "v1")
    entry = steps[0].entries[0]
    assert entry["page"] == "a.html"
    assert [link["href"] for link in entry["links"]] == ["a.html", "a.pdf"]
    assert index_steps(sel(formats=("pdf",)), {"a": info("a")}, FORMATS, inputs, nothing_built, "v1") == []


def test_config_follows_the_cited_document_and_the_version() -> None:
    one = render_steps(sel(formats=("epub",)), info("a", digest="d1"), FORMATS, inputs, nothing_built, "v1")
    other_doc = render_steps(sel(formats=("epub",)), info("a", digest="d2"), FORMATS, inputs, nothing_built, "v1")
    other_code = render_steps(sel(formats=("epub",)), info("a", digest="d1"), FORMATS, inputs, nothing_built, "v2")
    assert one[0].config != other_doc[0].config != other_code[0].config != one[0].config
    # a PDF does not link its siblings: building an EPUB beside it changes nothing of it
    pdf_alone = render_steps(sel(formats=("pdf",)), info("a"), FORMATS, inputs, nothing_built, "v1")
    pdf_more = render_steps(sel(formats=("pdf", "epub")), info("a"), FORMATS, inputs, nothing_built, "v1")
    assert {s.name: s.config for s in pdf_alone} == {s.name: s.config for s in pdf_more if s.format == "pdf"}


def test_inputs_are_the_brand_and_the_format_templates() -> None:
    step = render_steps(sel(formats=("html",), brands=("default",)), info("a"), FORMATS, inputs, nothing_built,
                        "v1")[0]
    assert step.inputs == ("styles/brands/default/_brand.yml", "styles/templates/html/x.j2")
    assert cite_steps(sel(), "v1")[0].inputs == ("manuscript/a.md",)


def test_names_and_identities_are_stable() -> None:
    steps = plan(sel(), DOCS, FORMATS, inputs, nothing_built, "v1")
    by_name = {s.name: s for s in steps}
    assert len(by_name) == len(steps)  # no two steps share a name
    assert by_name["pdf:large-print riverside/b"].identity() == {
        "kind": RENDER, "manuscript": "b", "brand": "riverside", "format": "pdf", "edition": "large-print"}
    assert plan(sel(), DOCS, FORMATS, inputs, nothing_built, "v1") == steps  # pure: same inputs, same plan


def test_everything_is_what_pruning_keeps() -> None:
    narrow = sel(manuscripts=("manuscript/a.md",), brands=("default",), formats=("html",), editions=("standard",))
    wide = names(plan(narrow.everything(list(FORMATS)), DOCS, FORMATS, inputs, nothing_built, "v1"))
    assert "pdf:large-print riverside/a" in wide and "epub riverside/b" in wide
    assert "epub default/b" not in wide  # b is not built for default: such a record is an orphan


def test_the_project_settings_file_is_a_step_and_an_input_of_the_analyses_only() -> None:
    """publish.yml, when the project has one: one settings step first, and an input of each reading-level
    step (so an edit reruns those), of no render or index."""
    steps = plan(sel(), DOCS, FORMATS, inputs, nothing_built, "v1", settings=("publish.yml",))
    assert steps[0].kind == SETTINGS and steps[0].name == "settings publish.yml"
    assert steps[0].inputs == ("publish.yml",) and not steps[0].targets
    shaped = {s.name for s in steps if "publish.yml" in s.inputs}
    assert shaped == {"settings publish.yml", "readability a", "readability b"}
    without = plan(sel(), DOCS, FORMATS, inputs, nothing_built, "v1")
    assert not [s for s in without if s.kind == SETTINGS or "publish.yml" in s.inputs]
    assert [s.name for s in analysis_steps(sel(), info("a"), inputs, "v1", ("publish.yml",))] == ["readability a"]
    assert settings_steps((), "v1") == []


# Language editions: manuscript/<stem>.<lang>.md is the <lang> edition of <stem>.md ------------------------

ED = ("manuscript/sleep.de.md", "manuscript/sleep.es.md", "manuscript/sleep.md", "manuscript/x.md")


def ed_sel(manuscripts: tuple[str, ...] = ED, formats: tuple[str, ...] | None = None) -> Selection:
    return Selection(manuscripts, ("default",), formats or tuple(FORMATS), None, ED, ("default",))


def ed_docs() -> dict[str, DocInfo]:
    return {"sleep": info("sleep")._replace(content="c0ffee"), "x": info("x"),
            "sleep.de": info("sleep.de")._replace(lang="de-DE", title="Gut schlafen"),
            "sleep.es": info("sleep.es")._replace(lang="es-ES", title="Dormir bien")}


def test_a_translation_is_known_by_its_file_name() -> None:
    stems = ["sleep", "sleep.es", "sleep.zh-Hans", "notes.v2", "report.old", "lonely.es"]
    assert translation_of("sleep.es", stems) == ("sleep", "es")
    assert translation_of("sleep.zh-Hans", stems) == ("sleep", "zh-Hans")
    assert translation_of("sleep", stems) is None and translation_of("notes.v2", stems) is None
    assert translation_of("lonely.es", stems) is None  # no lonely.md: a handout of its own
    assert editions_of("sleep.es", stems) == ["sleep", "sleep.es", "sleep.zh-Hans"]


def test_sources_are_cited_before_their_translations() -> None:
    assert [s.manuscript for s in cite_steps(ed_sel(), "v1")] == ["sleep", "x", "sleep.de", "sleep.es"]


def test_every_edition_links_every_other() -> None:
    docs = ed_docs()
    for stem in ("sleep", "sleep.de", "sleep.es"):
        html = next(s for s in render_steps(ed_sel(), docs[stem], FORMATS, inputs, nothing_built, "v1", docs)
                    if s.format == "html")
        assert html.alternates == (Alternate("en-US", "sleep"), Alternate("de", "sleep.de"),
                                   Alternate("es", "sleep.es"))
    x = render_steps(ed_sel(), docs["x"], FORMATS, inputs, nothing_built, "v1", docs)
    assert all(s.alternates == () for s in x)


def test_links_are_planned_alike_before_and_after_the_translations_are_read() -> None:
    """The first build plans the source's pages before its translations are cited: the same steps as the
    next build, which knows them, so that build rebuilds nothing."""
    docs = ed_docs()
    first = render_steps(ed_sel(), docs["sleep"], FORMATS, inputs, nothing_built, "v1", {"sleep": docs["sleep"]})
    again = render_steps(ed_sel(), docs["sleep"], FORMATS, inputs, nothing_built, "v1", docs)
    assert first == again


def test_an_edition_brand_or_format_left_out_is_not_linked() -> None:
    docs = ed_docs()
    docs["sleep.de"] = docs["sleep.de"]._replace(brands=("riverside",))
    html = next(s for s in render_steps(ed_sel(), docs["sleep"], FORMATS, inputs, nothing_built, "v1", docs)
                if s.format == "html")
    assert [a.stem for a in html.alternates] == ["sleep", "sleep.es"]
    pdf_only = render_steps(ed_sel(formats=("pdf",)), docs["sleep"], FORMATS, inputs, nothing_built, "v1", docs)
    assert all(s.alternates == () for s in pdf_only)  # no web page of the others to link
    changed = render_steps(ed_sel(), docs["sleep"], FORMATS, inputs, nothing_built, "v1", ed_docs())
    assert {s.config for s in changed}.isdisjoint({s.config for s in render_steps(
        ed_sel(), docs["sleep"], FORMATS, inputs, nothing_built, "v1", docs)})  # links are in the key


def test_the_index_groups_editions_under_their_handout() -> None:
    (index,) = index_steps(ed_sel(), ed_docs(), FORMATS, inputs, nothing_built, "v1")
    assert [e["stem"] for e in index.entries] == ["sleep", "x"]
    sleep = index.entries[0]
    assert [(x["stem"], x["lang"], x["title"], x["page"]) for x in sleep["editions"]] == [
        ("sleep.de", "de-DE", "Gut schlafen", "sleep.de.html"), ("sleep.es", "es-ES", "Dormir bien", "sleep.es.html")]
