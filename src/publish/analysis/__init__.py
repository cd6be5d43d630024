"""Analyses of a cited document for its author; today the reading level (``analyse``, ``check_grade``,
``render_report``). Nothing here changes what a reader gets: it reads the AST and writes reports."""

from .readability import FORMULAS, Readability, Score, analyse, check_grade
from .report import render_report

__all__ = ["FORMULAS", "Readability", "Score", "analyse", "check_grade", "render_report"]
