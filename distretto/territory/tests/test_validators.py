import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from distretto.territory.validators import (
    partita_iva_check_digit,
    validate_ateco,
    validate_coordinates,
    validate_opening_hours,
    validate_partita_iva,
)


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    return {error.code for error in exc.value.error_list}


class TestPartitaIva:
    def test_real_number_is_valid(self):
        # 0123456789: odd positions 0+2+4+6+8 = 20;
        # even ones doubled (minus 9 above 9): 2+6+1+5+9 = 23
        # total 43 → check digit 7
        assert partita_iva_check_digit("0123456789") == 7
        validate_partita_iva("01234567897")

    def test_wrong_check_digit_is_rejected(self):
        with pytest.raises(ValidationError) as exc:
            validate_partita_iva("01234567890")
        assert codes(exc) == {"partita_iva_check_digit"}

    @pytest.mark.parametrize("value", ["", "123", "0123456789A", "012345678970", "0123 4567897"])
    def test_not_eleven_digits_is_rejected(self, value):
        with pytest.raises(ValidationError) as exc:
            validate_partita_iva(value)
        assert codes(exc) == {"partita_iva_format"}

    def test_all_zeros_is_rejected(self):
        with pytest.raises(ValidationError) as exc:
            validate_partita_iva("00000000000")
        assert codes(exc) == {"partita_iva_zero"}

    @given(st.text(alphabet="0123456789", min_size=10, max_size=10).filter(lambda s: s != "0" * 10))
    def test_any_number_with_its_check_digit_validates(self, first_ten):
        validate_partita_iva(first_ten + str(partita_iva_check_digit(first_ten)))

    @given(
        st.text(alphabet="0123456789", min_size=10, max_size=10).filter(lambda s: s != "0" * 10),
        st.integers(min_value=1, max_value=9),
    )
    def test_a_mistyped_check_digit_never_validates(self, first_ten, delta):
        wrong = (partita_iva_check_digit(first_ten) + delta) % 10
        with pytest.raises(ValidationError):
            validate_partita_iva(first_ten + str(wrong))


class TestAteco:
    @pytest.mark.parametrize("value", ["47", "47.1", "47.11", "47.11.1", "47.11.02", "56.11.11"])
    def test_valid_formats(self, value):
        validate_ateco(value)

    @pytest.mark.parametrize(
        "value", ["4", "471110", "47.", "47.111", "47.11.100", "AB.11", "47-11"]
    )
    def test_invalid_formats(self, value):
        with pytest.raises(ValidationError) as exc:
            validate_ateco(value)
        assert codes(exc) == {"ateco_format"}


class TestCoordinates:
    def test_both_or_neither(self):
        validate_coordinates(None, None)
        validate_coordinates(45.31, 9.50)
        with pytest.raises(ValidationError) as exc:
            validate_coordinates(45.31, None)
        assert codes(exc) == {"coordinates_incomplete"}

    @pytest.mark.parametrize(
        "lat, lon, code",
        [
            (91, 9.5, "latitude_range"),
            (-90.5, 9.5, "latitude_range"),
            (45, 180.1, "longitude_range"),
        ],
    )
    def test_out_of_range(self, lat, lon, code):
        with pytest.raises(ValidationError) as exc:
            validate_coordinates(lat, lon)
        assert codes(exc) == {code}


class TestOpeningHours:
    def test_split_day_is_valid(self):
        validate_opening_hours({"mon": [["09:00", "12:30"], ["15:30", "19:30"]], "sun": []})

    @pytest.mark.parametrize(
        "value, code",
        [
            ({"lun": [["09:00", "12:00"]]}, "hours_day"),
            ({"mon": [["9", "12:00"]]}, "hours_format"),
            ({"mon": [["19:00", "09:00"]]}, "hours_order"),
        ],
    )
    def test_invalid(self, value, code):
        with pytest.raises(ValidationError) as exc:
            validate_opening_hours(value)
        assert codes(exc) == {code}
