"""The drone scenario: all on time when the fleet is idle, queueing when demand outgrows it."""

from __future__ import annotations

from baro.twin.drone_scenario import DroneScenario, plot_png, run


def test_share_within_30_minutes_falls_as_demand_outgrows_the_fleet() -> None:
    result = run(DroneScenario(orders_per_day=400, multipliers=(1, 40), drones_per_base=3))
    calm, swamped = result["outcomes"]
    assert calm["eligible"] > 0 and calm["refused"]  # some orders do not fly
    assert calm["share_within_goal"] >= 0.9 and calm["wait_max_min"] < 30
    assert swamped["share_within_goal"] < 0.5 and swamped["peak_queue"] > calm["peak_queue"]
    assert result["breaks_at_multiplier"] == 40
    assert (
        len(calm["by_base"]) == 3
        and sum(b["orders"] for b in calm["by_base"].values()) == (calm["eligible"])
    )
    assert plot_png(result).startswith(b"\x89PNG")
