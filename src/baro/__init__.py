"""baro (바로, "right away"): a self-hostable commerce platform."""

__version__ = "0.1.0"
