"""The fulfillment center. ``robots``: the robot floor and its fleet planner (pure computation)."""
