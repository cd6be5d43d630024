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


def test_several_problems_one_line_each_in_file_order() -> None:
    from publish.errors import PublishErrors

    errs = PublishErrors([PublishError("b", file="m.md", line=5, col=1, hint="fix b"),
                          PublishError("a", file="m.md", line=2, col=1, hint="fix a")],
                         [Warning_("unknown key 'x'", "m.md", 3, 1, "did you mean y?")])
    assert errs.format().splitlines() == [
        "m.md:2:1: error: a; fix a",
        "m.md:3:1: warning: unknown key 'x'; did you mean y?",
        "m.md:5:1: error: b; fix b",
    ]
    assert isinstance(errs, PublishError) and len(errs) == 2 and errs.line == 5  # the first as given


def test_several_problems_survive_pickling_and_nesting() -> None:
    import pickle

    from publish.errors import PublishErrors

    inner = PublishErrors([PublishError("a", file="f", line=1), PublishError("b", file="f", line=2)])
    outer = PublishErrors([inner, PublishError("c", file="g")], [Warning_("w", "f", 1)])
    assert [e.message for e in outer] == ["a", "b", "c"]
    back = pickle.loads(pickle.dumps(outer))
    assert back.format() == outer.format() and len(back.format().splitlines()) == 4


def test_check_raises_a_lone_error_as_itself() -> None:
    import pytest

    from publish.errors import PublishErrors

    PublishErrors.check([])  # nothing wrong: nothing raised
    lone = PublishError("x", file="f", line=1)
    with pytest.raises(PublishError) as info:
        PublishErrors.check([lone])
    assert info.value is lone
    with pytest.raises(PublishErrors) as several:
        PublishErrors.check([lone], [Warning_("w", "f", 2)])
    assert several.value.format() == "f:1: error: x\nf:2: warning: w"
