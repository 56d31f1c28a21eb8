"""Delivery: what baro promises (promise), and how the parcel gets there — van routes
(routing), drones, lockers, in-car delivery with one-time codes (access), tracking and
re-ship. Each subpackage keeps its public surface in its own ``__init__``."""
