"""No-fly zones of the demo world's cities: squares of ~3.3 km around the airports near its
three fulfilment centres (data, not the law's exact shapes): Congonhas (São Paulo), Galeão
(Rio), Pampulha (Belo Horizonte). The drone scenario flies around them; ``baro demo`` puts
them in the platform."""

from __future__ import annotations

from baro.delivery.drones import NoFlyZone, zone_polygon

AIRPORTS = (("Congonhas", -23.6273, -46.6566), ("Galeão", -22.8100, -43.2506),
            ("Pampulha", -19.8512, -43.9506))  # fmt: skip
AIRPORT_HALF_SIDE_DEG = 0.015


def airport_squares() -> list[tuple[str, list[tuple[float, float]]]]:
    """Each airport's name and its square's (lat, lng) corners."""
    h = AIRPORT_HALF_SIDE_DEG
    return [
        (name, [(a - h, b - h), (a - h, b + h), (a + h, b + h), (a + h, b - h)])
        for name, a, b in AIRPORTS
    ]


def airport_zones() -> list[NoFlyZone]:
    return [
        NoFlyZone(f"nfz-{name.lower()}", name, zone_polygon(corners))
        for name, corners in airport_squares()
    ]
