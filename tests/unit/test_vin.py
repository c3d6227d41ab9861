"""VIN rules: alphabet, length, check digit (49 CFR 565), model year and region."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanic_desktop.domain.vin import (
    VIN_ALPHABET,
    VinCheck,
    check_digit,
    check_vin,
    is_vin_alphabet,
    model_year,
    region,
)

VALID = ["1M8GDM9AXKP042788", "1G4AH59H45G118341", "1FTMW1T88MFA00001"]


@pytest.mark.parametrize("vin", VALID)
def test_valid_vins_pass_without_warning(vin: str) -> None:
    result = check_vin(vin)
    assert result.ok and result.warning is None
    assert result.vin == vin
    assert result.region == "North America"


def test_typed_vin_is_normalised() -> None:
    assert check_vin(" 1m8gdm9-axkp042788 ").vin == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(
    ("vin", "message"),
    [
        ("1M8GDM9A1KP042788", "Check digit (9th character) is 1 but should be X"),
        ("1HGCM82633A123456", "Check digit (9th character) is 3 but should be 7"),
        ("XYZ1234", "A VIN has 17 characters; this one has 7."),
        ("1M8GDM9AXKP04O788", "A VIN never contains the letters I, O or Q (found O)."),
        ("", "VIN is required."),
        ("1M8GDM9AXKP04*788", "A VIN has only digits and capital letters (found '*')."),
    ],
)
def test_invalid_vins_say_why(vin: str, message: str) -> None:
    result = check_vin(vin)
    assert not result.ok
    assert result.error is not None and result.error.startswith(message)


def test_foreign_vin_without_check_digit_is_accepted_with_warning() -> None:
    result = check_vin("WVWZZZ1JZXW000001")  # European VINs often carry Z in position 9
    assert result.ok
    assert result.region == "Europe"
    assert result.warning is not None and "outside North America" in result.warning


@pytest.mark.parametrize(
    ("vin", "year"),
    [("1M8GDM9AXKP042788", 1989), ("1G4AH59H45G118341", 2005), ("1FTMW1T88MFA00001", 2021)],
)
def test_model_year_uses_position_seven_for_the_cycle(vin: str, year: int) -> None:
    assert model_year(vin) == year


def with_check_digit(vin: str) -> str:
    return vin[:8] + check_digit(vin) + vin[9:]


@pytest.mark.parametrize(
    "vin",
    [
        "WVWZZZAUZYW000001",  # Germany: position 7 a letter, "Y" would read as 2030
        "JHMZZZ5KZYC000001",  # Japan, same letters
        "KMHZZZAKZWU000001",  # Korea: "W" would read as 2028
        "9BWZZZ377VT004251",  # Brazil, a real-looking digit cycle: still not decoded
        with_check_digit("SAJAA06E0YM123456"),  # a valid check digit does not make it NA
    ],
)
def test_vins_made_outside_north_america_decode_no_year(vin: str) -> None:
    """Position 7 chooses the cycle only under 49 CFR 565: elsewhere, no year at all."""
    assert model_year(vin) is None
    assert check_vin(vin).model_year is None


def test_a_north_american_year_after_next_year_is_no_year() -> None:
    base = with_check_digit("1FTMW1T80XFA00001")  # letter in 7; "X" → 2029
    assert model_year(base, today=date(2028, 1, 1)) == 2029
    assert model_year(base, today=date(2027, 12, 31)) is None
    assert model_year(base, today=date(2026, 6, 1)) is None


@given(st.text(alphabet=VIN_ALPHABET, min_size=17, max_size=17),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 1, 1)))
def test_a_decoded_year_is_north_american_and_never_after_next_year(vin: str,
                                                                     today: date) -> None:
    year = model_year(vin, today)
    if year is not None:
        assert region(vin) == "North America"
        assert 1980 <= year <= today.year + 1


def test_region_of_first_character() -> None:
    assert region("JH4") == "Asia"
    assert region("9BW") == "South America"
    assert region("") is None


vin_bodies = st.text(alphabet=VIN_ALPHABET, min_size=17, max_size=17)


@given(vin_bodies)
def test_any_vin_validates_exactly_when_its_check_digit_is_right(vin: str) -> None:
    """For North-American VINs the check digit decides validity; elsewhere, the warning."""
    result = check_vin(vin)
    right = vin[8] == check_digit(vin)
    if region(vin) == "North America":
        assert result.ok is right
    else:
        assert result.ok
        assert (result.warning is None) is right


@given(vin_bodies)
def test_setting_the_check_digit_always_makes_a_vin_valid(vin: str) -> None:
    fixed = vin[:8] + check_digit(vin) + vin[9:]
    result = check_vin(fixed)
    assert result.ok and result.warning is None


def test_what_a_check_says_whole() -> None:
    """Every field of the result, for each outcome a desk sees."""
    assert check_vin("1M8GDM9AXKP042788") == VinCheck(
        "1M8GDM9AXKP042788", region="North America", model_year=1989)
    assert check_vin("1M8GDM9A1KP042788") == VinCheck(
        "1M8GDM9A1KP042788",
        error="Check digit (9th character) is 1 but should be X: a character is probably "
              "mistyped.",
        region="North America", model_year=1989)
    assert check_vin("WVWZZZ1JZXW000001") == VinCheck(
        "WVWZZZ1JZXW000001",
        warning="No valid check digit: normal for vehicles built outside North America, "
                "but compare the VIN with the vehicle.",
        region="Europe")
    assert check_vin("1M8GDM9AXKP0IOQ88").error == (
        "A VIN never contains the letters I, O or Q (found I, O, Q).")
    assert check_vin("1M8GDM*AX.P!#%?88").error == (
        "A VIN has only digits and capital letters (found '!', '#', '%', '*', '.').")


def test_the_alphabet_and_the_year_code_are_read_where_they_are() -> None:
    assert is_vin_alphabet("1M8GDM9AXKP042788") and not is_vin_alphabet("1M8GDM9AXKP0I2788")
    # Position 11 (the plant) is anything; position 10 must be a year code.
    assert model_year("1M8GDM9AXKU042788") == model_year("1M8GDM9AXKP042788") == 1989
    assert model_year("1M8GDM9AXUP042788") is None
    with pytest.raises(ValueError):
        check_digit("1M8GDM9AX")  # only a whole VIN has a check digit
