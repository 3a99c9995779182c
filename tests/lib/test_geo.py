"""Locations from postal codes, offline, and distances between them."""

import socket

import pytest

from amazon_lightspeed_connector.lib import geo
from amazon_lightspeed_connector.lib.routing import Store
from amazon_lightspeed_connector.lib.routing.engine import _km
from amazon_lightspeed_connector.lib.routing.model import unit_vector


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network call was made")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_a_us_zip_code_is_located_from_the_shipped_data_set(no_network):
    location = geo.locate("US", "10001")
    assert location.precision == geo.PRECISION_POSTAL_CODE
    assert location.point == pytest.approx((40.75, -74.0), abs=0.05)
    assert geo.locate("us", " 02139-4307 ").precision == geo.PRECISION_POSTAL_CODE


def test_an_unknown_zip_falls_back_to_the_state_then_the_country(no_network):
    assert geo.locate("US", "00000", "MA").precision == geo.PRECISION_STATE
    assert geo.locate("US", "garbage", "").precision == geo.PRECISION_COUNTRY
    assert geo.locate("DE", "10115").precision == geo.PRECISION_COUNTRY
    assert geo.locate("XX", "12345") is None
    assert geo.locate("", "") is None


def test_distances_are_great_circle_kilometres():
    new_york, boston = (40.7128, -74.0060), (42.3601, -71.0589)
    assert geo.distance_km(new_york, boston) == pytest.approx(306, abs=2)
    assert geo.distance_km(boston, boston) == 0
    # the engine's whole-kilometre distance agrees with the haversine
    assert _km(unit_vector(new_york), Store("B", location=boston)) == round(
        geo.distance_km(new_york, boston)
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "valid"),
    [(42.0, -71.0, True), (0, 0, False), (91, 0, False), ("x", 1, False), (None, 1, False)],
)
def test_valid_points(latitude, longitude, valid):
    assert geo.valid_point(latitude, longitude) is valid
