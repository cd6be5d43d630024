from publish.errors import PublishError, Warning_, did_you_mean, line_col_of_offset


def test_one_line_with_location_and_hint() -> None:
    e = PublishError("unknown citation key 'rogers1916'", file="m.md", line=3, col=7, hint="did you mean rogers1961?")
    assert e.format() == "m.md:3:7: error: unknown citation key 'rogers1916'; did you mean rogers1961?"
    assert "\n" not in e.format()


def test_location_parts_are_optional() -> None:
    assert PublishError("x").format() == "error: x"
    assert PublishError("x", file="f").format() == "f: error: x"
    assert Warning_("w", "f", 2).format() == "f:2: warning: w"


def test_did_you_mean() -> None:
    assert did_you_mean("rogers1916", ["rogers1961", "beck2011"]) == "did you mean rogers1961?"
    assert did_you_mean("zzz", ["rogers1961"]) is None


def test_line_col() -> None:
    assert line_col_of_offset("ab\ncd", 4) == (2, 2)
