"""publish: one manuscript, cited once, published as branded HTML, a PDF handout and an EPUB e-book."""

__version__ = "0.1.0"
