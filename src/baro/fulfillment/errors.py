"""What can go wrong on the fulfillment floor.

::

    DomainError
    ├── InvalidRequest
    │   ├── BadScan                 a scan the floor refuses (counted per facility and kind)
    │   │   ├── UnknownBarcode      no product has this id or SKU
    │   │   ├── WrongItem           a real product, not the one this task wants
    │   │   └── WrongBin            the picker is at another bin than the one directed to
    │   ├── InvalidBin              a bin's size, weight or place makes no sense
    │   └── InvalidLayout           a floor's grid or a name on it makes no sense
    │       ├── CellOutsideGrid     a pod or station placed off the grid
    │       └── CellTaken           two things (pods, stations) placed on one cell
    ├── NotFound
    │   ├── BinNotFound
    │   ├── InboundNotFound
    │   └── NotInFulfillment        an order the floor was never told to pick
    └── Conflict
        ├── NoBinRoom               no bin the putaway strategy may use has room
        ├── NothingToStow           fewer units wait in receiving than asked to stow
        ├── WrongStep               packing before picking, picking what is picked, …
        ├── NoBoxFits               the order's items fit none of the boxes
        ├── WeightMismatch          the packed parcel weighs outside the tolerance
        └── StationInUse            a new layout leaves out a station pick lists were sent to
"""

from __future__ import annotations

from typing import ClassVar

from baro.core.errors import Conflict, InvalidRequest, NotFound


class BadScan(InvalidRequest):
    code = "bad_scan"
    kind: ClassVar[str] = "bad_scan"


class UnknownBarcode(BadScan):
    code = "unknown_barcode"
    kind = "unknown_barcode"


class WrongItem(BadScan):
    code = "wrong_item"
    kind = "wrong_item"


class WrongBin(BadScan):
    code = "wrong_bin"
    kind = "wrong_bin"


class InvalidBin(InvalidRequest):
    code = "invalid_bin"


class InvalidLayout(InvalidRequest):
    code = "invalid_floor_layout"


class CellOutsideGrid(InvalidLayout):
    code = "cell_outside_grid"


class CellTaken(InvalidLayout):
    code = "cell_taken"


class BinNotFound(NotFound):
    code = "bin_not_found"


class InboundNotFound(NotFound):
    code = "inbound_not_found"


class NotInFulfillment(NotFound):
    code = "not_in_fulfillment"


class NoBinRoom(Conflict):
    code = "no_bin_room"


class NothingToStow(Conflict):
    code = "nothing_to_stow"


class WrongStep(Conflict):
    code = "fulfillment_wrong_step"


class NoBoxFits(Conflict):
    code = "no_box_fits"


class WeightMismatch(Conflict):
    code = "weight_mismatch"


class StationInUse(Conflict):
    code = "station_in_use"
