from distretto.loyalty import cardnumbers


def test_new_numbers_pass_their_own_check_digit():
    for _i in range(200):
        assert cardnumbers.is_valid(cardnumbers.new_number())


def test_one_wrong_digit_or_swapped_neighbours_fail_the_check():
    number = "79927398713"  # the textbook Luhn example, 11 digits
    body = "12345678901"
    good = body + cardnumbers.luhn_check_digit(body)
    assert cardnumbers.luhn_check_digit(number[:-1]) == "3"
    assert cardnumbers.is_valid(good)
    wrong_digit = good[:3] + str((int(good[3]) + 1) % 10) + good[4:]
    swapped = good[0] + good[2] + good[1] + good[3:]
    assert not cardnumbers.is_valid(wrong_digit)
    assert not cardnumbers.is_valid(swapped)


def test_numbers_are_read_with_spaces_and_dashes_and_printed_in_fours():
    assert cardnumbers.normalise(" 1234-5678 9012 ") == "123456789012"
    assert cardnumbers.printed("123456789012") == "1234 5678 9012"
    assert not cardnumbers.is_valid("١٢٣٤٥٦٧٨٩٠١٢")  # non-ASCII digits
