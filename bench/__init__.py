"""``make bench``: publish's figures beside the plain-pandoc way of doing the same job, in one run.

Not part of the package (it is not in the wheel) and not a timed test: numbers vary by machine, so they
are printed and quoted in the README, never asserted. It runs from a source checkout and measures the
seed project the tests build (tests/fixtures/project), so a clinic's own manuscripts never change the
figures.

Layout: ``run.py`` prints the table; each group of rows is one module with ``rows(ctx)`` (``seed``,
``parallel``, ``scale``, ``citations``, ``pdf``, ``long``, ``cluster``, ``serve``), listed in ``run.GROUPS``;
``timing.py`` times a build and takes medians of interleaved runs; ``projects.py`` makes the projects measured;
``baseline.py`` is the plain-pandoc way that ratios are taken against. A new row goes in the group it
belongs to; a new group is a module plus one line in ``run.GROUPS``.
"""
