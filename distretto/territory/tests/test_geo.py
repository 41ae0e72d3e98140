"""The one distance formula the apps share."""

import pytest

from distretto.territory.geo import distance_km, distance_m


def test_a_point_is_no_distance_from_itself():
    assert distance_m(45.3141, 9.5035, 45.3141, 9.5035) == 0


def test_lodi_to_cuneo_is_about_185_km_as_the_crow_flies():
    # Piazza della Vittoria, Lodi (45.3141, 9.5035) to Piazza Galimberti, Cuneo (44.3904, 7.5480)
    assert distance_km(45.3141, 9.5035, 44.3904, 7.5480) == pytest.approx(185.2, abs=0.1)


def test_one_thousandth_of_a_degree_of_latitude_is_about_111_metres():
    assert distance_m(45.0, 9.0, 45.001, 9.0) == pytest.approx(111.2, abs=0.1)
