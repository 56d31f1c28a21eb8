"""Where an address is on the map, without calling a geocoder (nothing leaves the machine).

A shopper picks their city from this list; the order is routed from the city's centre,
which is as precise as choosing a fulfilment centre needs (they sit hundreds of kilometres
apart). A real deployment would geocode the street address instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    key: str
    city: str
    country: str  # ISO 3166 alpha-2
    lat: float
    lng: float


PLACES: tuple[Place, ...] = (
    Place("sao-paulo", "São Paulo", "BR", -23.5505, -46.6333),
    Place("rio-de-janeiro", "Rio de Janeiro", "BR", -22.9068, -43.1729),
    Place("belo-horizonte", "Belo Horizonte", "BR", -19.9167, -43.9345),
    Place("brasilia", "Brasília", "BR", -15.7939, -47.8828),
    Place("curitiba", "Curitiba", "BR", -25.4284, -49.2733),
    Place("porto-alegre", "Porto Alegre", "BR", -30.0346, -51.2177),
    Place("salvador", "Salvador", "BR", -12.9777, -38.5016),
    Place("recife", "Recife", "BR", -8.0476, -34.8770),
    Place("seoul", "Seoul", "KR", 37.5665, 126.9780),
    Place("busan", "Busan", "KR", 35.1796, 129.0756),
    Place("incheon", "Incheon", "KR", 37.4563, 126.7052),
    Place("new-york", "New York", "US", 40.7128, -74.0060),
    Place("los-angeles", "Los Angeles", "US", 34.0522, -118.2437),
    Place("chicago", "Chicago", "US", 41.8781, -87.6298),
)
BY_KEY = {place.key: place for place in PLACES}
COUNTRIES = {"BR": "Brazil", "KR": "South Korea", "US": "United States"}


def grouped() -> list[tuple[str, list[tuple[str, str]]]]:
    """(country, [(key, city)…]) for a grouped select."""
    return [
        (name, [(p.key, p.city) for p in PLACES if p.country == code])
        for code, name in COUNTRIES.items()
    ]
