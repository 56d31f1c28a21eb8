"""Things for `.ci/schemathesis` to move along: a generated id only ever finds nothing, and a
route that needs a courier's or a car's key would only ever answer 401.

Through the API, on the served world: the first customer's order (1-Click), their car with
in-car consent for that order, a courier assigned to it, a locker bank near them holding a
second order that has arrived, a third order delivered (to be returned), and a drone base
at the first fulfilment centre. Prints ``NAME=value`` lines for the script to export.

Usage: python .ci/schemathesis_setup.py BASE_URL WORLD_JSON
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx


def main(base: str, world_file: str) -> None:
    world = json.loads(Path(world_file).read_text(encoding="utf-8"))
    customer = world["customers"][0]
    with httpx.Client(base_url=base, timeout=30) as api:

        def call(method: str, path: str, key: str, body: Any = None) -> Any:
            headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
            response = api.request(method, path, json=body, headers=headers)
            if response.is_error:
                sys.exit(f"setup: {method} {path} answered {response.status_code}: {response.text}")
            return response.json()

        me, admin = customer["api_key"], world["admin_api_key"]
        order = call("POST", "/v1/orders/one-click", me, {"product_id": world["products"][0]["id"]})
        home = {"lat": customer["lat"], "lng": customer["lng"]}
        kia = {"plate": "ST-1", "make": "Kia", "model": "EV6"}
        car = call("POST", "/v1/vehicles", me, kia | home)
        start = datetime.now(UTC) + timedelta(hours=1)
        window = {
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=2)).isoformat(),
        }
        delivery = call(
            "POST", f"/v1/orders/{order['id']}/trunk", me, {"vehicle_id": car["id"], **window}
        )
        courier = call("POST", "/v1/admin/couriers", admin, {"name": "Schemathesis"})
        call(
            "POST",
            f"/v1/admin/trunk-deliveries/{delivery['id']}/courier",
            admin,
            {"courier_id": courier["id"]},
        )
        bank = {"name": "Schemathesis", "compartments": {"S": 2, "M": 2, "L": 2}}
        locker = call("POST", "/v1/admin/lockers", admin, bank | home)
        # A second order, in that locker and arrived: its pickup code can be asked for.
        held = call("POST", "/v1/orders/one-click", me, {"product_id": world["products"][0]["id"]})
        call("POST", f"/v1/orders/{held['id']}/locker", me, {"locker_id": locker["id"]})
        call("POST", f"/v1/admin/orders/{held['id']}/locker/arrived", admin)
        # A third order, delivered: it can be returned.
        kept = call("POST", "/v1/orders/one-click", me, {"product_id": world["products"][0]["id"]})
        for step in ("picking", "packed", "shipped", "delivered"):
            call("POST", f"/v1/admin/orders/{kept['id']}/advance", admin, {"status": step})
        drone_base = call(
            "POST",
            "/v1/admin/drones/bases",
            admin,
            {"facility_id": world["facilities"][0]["id"], "drones": 2},
        )
    found = {
        "ORDER_ID": order["id"],
        "VEHICLE_ID": car["id"],
        "TELEMATICS_KEY": car["telematics_key"],
        "DELIVERY_ID": delivery["id"],
        "COURIER_KEY": courier["key"],
        "LOCKER_ID": locker["id"],
        "LOCKER_ORDER_ID": held["id"],
        "DELIVERED_ORDER_ID": kept["id"],
        "BASE_ID": drone_base["id"],
    }
    for name, value in found.items():
        print(f"BARO_SCHEMATHESIS_{name}={value}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
