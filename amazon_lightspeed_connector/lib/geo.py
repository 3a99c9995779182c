"""Where an address is, from its postal code, offline; and how far apart two places are.

No network call, ever: US ZIP codes come from the data set the ``zipcodes`` package ships
(some 42,000 codes with their coordinates, loaded on first use); an unknown or foreign code
falls back to the centroid of its US state, then of its country, from the small tables below
(approximate geographic centres, to a few tens of kilometres: enough to tell the nearer of two
stores in different towns, which is all routing asks of them).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088

PRECISION_POSTAL_CODE = "postal_code"
PRECISION_STATE = "state"
PRECISION_COUNTRY = "country"


@dataclass(frozen=True)
class Location:
    """A point and how it was found: the postal code itself, or the state's or country's centre."""

    latitude: float
    longitude: float
    precision: str

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (latitude, longitude) points."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def valid_point(latitude: object, longitude: object) -> bool:
    """True for numbers within the Earth's ranges; (0, 0) is an unset pair, not a place."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return False
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    return -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0)


def locate(country: str, postal_code: str = "", state: str = "") -> Location | None:
    """The best location known offline for an address, or None when even its country is not.

    ``country``: ISO 3166 alpha-2 code; ``state``: for the US, the two-letter state code.
    """
    country = (country or "").strip().upper()
    if country in ("US", "PR"):
        point = _us_zip_points().get(_us_zip5(postal_code))
        if point:
            return Location(point[0], point[1], PRECISION_POSTAL_CODE)
        state_point = US_STATE_CENTROIDS.get((state or "").strip().upper())
        if state_point:
            return Location(state_point[0], state_point[1], PRECISION_STATE)
    country_point = COUNTRY_CENTROIDS.get(country)
    if country_point:
        return Location(country_point[0], country_point[1], PRECISION_COUNTRY)
    return None


def _us_zip5(postal_code: str) -> str:
    match = re.match(r"\s*(\d{5})(?:[\s-]?\d{4})?\s*$", postal_code or "")
    return match.group(1) if match else ""


@functools.cache
def _us_zip_points() -> dict[str, tuple[float, float]]:
    # Imported here: the data set (a few MB) loads only when a US address is first located.
    import zipcodes

    points = {}
    for entry in zipcodes.list_all():
        try:
            lat, lon = float(entry["lat"]), float(entry["long"])
        except (KeyError, TypeError, ValueError):
            continue
        if valid_point(lat, lon):
            points[entry["zip_code"]] = (lat, lon)
    return points


# Approximate geographic centres of the US states, DC and Puerto Rico (latitude, longitude).
US_STATE_CENTROIDS = {
    "AL": (32.8, -86.8),
    "AK": (64.7, -152.0),
    "AZ": (34.3, -111.7),
    "AR": (34.9, -92.4),
    "CA": (37.2, -119.5),
    "CO": (39.0, -105.5),
    "CT": (41.6, -72.7),
    "DE": (39.0, -75.5),
    "DC": (38.9, -77.0),
    "FL": (28.6, -82.4),
    "GA": (32.7, -83.4),
    "HI": (20.3, -156.4),
    "ID": (44.4, -114.6),
    "IL": (40.0, -89.2),
    "IN": (39.9, -86.3),
    "IA": (42.1, -93.5),
    "KS": (38.5, -98.4),
    "KY": (37.5, -85.3),
    "LA": (31.1, -92.0),
    "ME": (45.4, -69.2),
    "MD": (39.0, -76.8),
    "MA": (42.3, -71.8),
    "MI": (44.3, -85.4),
    "MN": (46.3, -94.3),
    "MS": (32.7, -89.7),
    "MO": (38.4, -92.5),
    "MT": (47.0, -109.6),
    "NE": (41.5, -99.8),
    "NV": (39.3, -116.6),
    "NH": (43.7, -71.6),
    "NJ": (40.2, -74.7),
    "NM": (34.4, -106.1),
    "NY": (42.9, -75.5),
    "NC": (35.6, -79.4),
    "ND": (47.5, -100.5),
    "OH": (40.3, -82.8),
    "OK": (35.6, -97.5),
    "OR": (43.9, -120.6),
    "PA": (40.9, -77.8),
    "RI": (41.7, -71.5),
    "SC": (33.9, -80.9),
    "SD": (44.4, -100.2),
    "TN": (35.9, -86.4),
    "TX": (31.5, -99.3),
    "UT": (39.3, -111.7),
    "VT": (44.1, -72.7),
    "VA": (37.5, -78.9),
    "WA": (47.4, -120.5),
    "WV": (38.6, -80.6),
    "WI": (44.6, -89.9),
    "WY": (43.0, -107.6),
    "PR": (18.2, -66.5),
}

# Approximate centres of the countries of Amazon's marketplaces and their neighbours.
COUNTRY_CENTROIDS = {
    "US": (39.8, -98.6),
    "CA": (56.1, -106.3),
    "MX": (23.6, -102.6),
    "BR": (-10.8, -52.9),
    "GB": (54.0, -2.5),
    "IE": (53.2, -8.2),
    "DE": (51.2, 10.4),
    "FR": (46.6, 2.4),
    "IT": (42.8, 12.6),
    "ES": (40.2, -3.6),
    "PT": (39.6, -8.0),
    "NL": (52.2, 5.5),
    "BE": (50.6, 4.6),
    "LU": (49.8, 6.1),
    "AT": (47.6, 14.1),
    "CH": (46.8, 8.2),
    "DK": (56.0, 10.0),
    "SE": (62.2, 17.6),
    "NO": (64.6, 12.0),
    "FI": (64.5, 26.0),
    "PL": (52.1, 19.4),
    "CZ": (49.8, 15.5),
    "TR": (39.0, 35.2),
    "AE": (24.0, 54.0),
    "SA": (24.0, 45.0),
    "EG": (26.7, 30.8),
    "IN": (22.9, 79.6),
    "JP": (36.2, 138.3),
    "SG": (1.35, 103.8),
    "AU": (-25.7, 134.5),
    "NZ": (-41.8, 172.6),
    "ZA": (-29.0, 25.1),
}
