"""loyalty_analytics.model_vars: the checks of the vars the Python models read. A bad value
stops the build with a message that names the var and what it got."""

import pytest

from loyalty_analytics import model_vars


@pytest.mark.parametrize(("value", "expected"), [(10, 10), (10.0, 10), ("3", 3), (1, 1)])
def test_whole_number_accepts_whole_numbers_from_one(value, expected):
    got = model_vars.whole_number(value, "clv_min_repeat_customers")
    assert got == expected and isinstance(got, int)


@pytest.mark.parametrize("value", [0, -1, 2.5, "ten", None, float("nan"), float("inf")])
def test_whole_number_rejects_the_rest(value):
    with pytest.raises(ValueError) as error:
        model_vars.whole_number(value, "clv_min_repeat_customers")
    assert str(error.value) == (
        f"var('clv_min_repeat_customers') must be a whole number >= 1, got {value!r}")


@pytest.mark.parametrize(("value", "expected"), [
    (True, True), ("true", True), (" Yes ", True), (1, True),
    (False, False), ("false", False), ("0", False), ("", False), (None, False)])
def test_flag_reads_the_spellings_of_true_and_false(value, expected):
    assert model_vars.flag(value, "clv_btyd_refit") is expected


def test_flag_rejects_anything_else():
    with pytest.raises(ValueError, match=r"var\('clv_btyd_refit'\) must be true or false, "
                                         r"got 'maybe'"):
        model_vars.flag("maybe", "clv_btyd_refit")


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (0.01, 0.01), ("0.5", 0.5)])
def test_monthly_rate_accepts_zero_up_to_one(value, expected):
    assert model_vars.monthly_rate(value, "clv_discount_rate_monthly") == expected


@pytest.mark.parametrize("value", [1, 1.5, -0.01, "a", None, float("nan")])
def test_monthly_rate_rejects_the_rest(value):
    with pytest.raises(ValueError) as error:
        model_vars.monthly_rate(value, "clv_discount_rate_monthly")
    assert str(error.value) == (
        f"var('clv_discount_rate_monthly') must be a number in [0, 1), got {value!r}")
