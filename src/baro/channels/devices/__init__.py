"""Devices that order by themselves: Dash buttons, appliances with consumable slots, and
virtual buttons on an appliance's screen (the SDK: ``client.DeviceClient``); over HTTP, and
over MQTT through the bridge (``bridge``). Presses become orders through the spine's batched
1-Click path, exactly once per press id, with an in-progress guard and a price notice."""

from baro.channels.devices.consumption import ReorderRule as ReorderRule
from baro.channels.devices.domain import Device as Device
from baro.channels.devices.domain import DeviceKind as DeviceKind
from baro.channels.devices.domain import DeviceNotAuthenticated as DeviceNotAuthenticated
from baro.channels.devices.domain import DeviceNotClaimed as DeviceNotClaimed
from baro.channels.devices.domain import DeviceNotFound as DeviceNotFound
from baro.channels.devices.domain import DuplicateSlot as DuplicateSlot
from baro.channels.devices.domain import Held as Held
from baro.channels.devices.domain import InvalidClaimCode as InvalidClaimCode
from baro.channels.devices.domain import InvalidDevice as InvalidDevice
from baro.channels.devices.domain import NothingHeld as NothingHeld
from baro.channels.devices.domain import OnItsWay as OnItsWay
from baro.channels.devices.domain import Ordered as Ordered
from baro.channels.devices.domain import PressResult as PressResult
from baro.channels.devices.domain import Registered as Registered
from baro.channels.devices.domain import Slot as Slot
from baro.channels.devices.domain import SlotNotFound as SlotNotFound
from baro.channels.devices.domain import SlotSpec as SlotSpec
from baro.channels.devices.protocol import valid_name as valid_name
from baro.channels.devices.service import DeviceCaller as DeviceCaller
from baro.channels.devices.service import DevicePress as DevicePress
from baro.channels.devices.service import Devices as Devices
from baro.channels.devices.service import DeviceSettings as DeviceSettings
from baro.channels.devices.service import LevelReading as LevelReading

__all__ = [
    "Device",
    "DeviceCaller",
    "DeviceKind",
    "DeviceNotAuthenticated",
    "DeviceNotClaimed",
    "DeviceNotFound",
    "DevicePress",
    "DeviceSettings",
    "Devices",
    "DuplicateSlot",
    "Held",
    "InvalidClaimCode",
    "InvalidDevice",
    "LevelReading",
    "NothingHeld",
    "OnItsWay",
    "Ordered",
    "PressResult",
    "Registered",
    "ReorderRule",
    "Slot",
    "SlotNotFound",
    "SlotSpec",
    "valid_name",
]
