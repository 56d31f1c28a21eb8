"""What appliances and the bridge say over MQTT, and how each message proves its sender.

Topics:   ``baro/dt/{device_id}/{slot}``   telemetry, device -> platform, QoS 1
          ``baro/cmd/{device_id}/{what}``  commands and answers, platform -> device, QoS 1
Payload:  JSON ``{"m": message id, "t": epoch milliseconds, "l": level as a decimal string,
          "s": signature}``; the signature is HMAC-SHA256, keyed by the device's signing key,
          over ``topic|m|t|l``. The topic is signed, so a message cannot be moved to another
          device or slot; the level travels as a string, so every language signs the same
          bytes; the timestamp bounds replays to a window, and message ids inside the window
          are remembered, so QoS 1's redeliveries are recognised.

The signing key is derived from the device's secret (``signing_key``): the device keeps only
its secret, the platform keeps the secret's hash and this key, never the secret itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

TELEMETRY = "baro/dt"
COMMANDS = "baro/cmd"
TELEMETRY_FILTER = f"{TELEMETRY}/+/+"
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_PAYLOAD = 512
_CONTEXT = b"baro mqtt signing v1"


def signing_key(secret: str) -> str:
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).hexdigest()


def telemetry_topic(device_id: str, slot: str) -> str:
    return f"{TELEMETRY}/{device_id}/{slot}"


def command_topic(device_id: str, what: str) -> str:
    return f"{COMMANDS}/{device_id}/{what}"


def _signature(key: str, topic: str, message_id: str, millis: int, level: str) -> str:
    text = f"{topic}|{message_id}|{millis}|{level}".encode()
    return hmac.new(key.encode(), text, hashlib.sha256).hexdigest()


def telemetry_payload(
    key: str, device_id: str, slot: str, message_id: str, level: float, at: datetime
) -> bytes:
    """A signed telemetry message, as a device sends it."""
    topic = telemetry_topic(device_id, slot)
    millis = round(at.timestamp() * 1000)
    text = f"{level:.6f}"
    signed = _signature(key, topic, message_id, millis, text)
    return json.dumps({"m": message_id, "t": millis, "l": text, "s": signed}).encode()


@dataclass(frozen=True)
class Telemetry:
    """A message as it arrived, not yet trusted: ``verify`` checks it against a key."""

    device_id: str
    slot: str
    message_id: str
    millis: int
    level_text: str
    signature: str
    topic: str

    @property
    def level(self) -> float:
        return float(self.level_text)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.millis / 1000, UTC)

    def verify(self, key: str) -> bool:
        expected = _signature(key, self.topic, self.message_id, self.millis, self.level_text)
        return hmac.compare_digest(expected, self.signature)


class Malformed(ValueError):
    """Not a telemetry message at all (counted, never acted on)."""


def parse_telemetry(topic: str, payload: bytes) -> Telemetry:
    """The message's fields, checked for shape and range; raises ``Malformed``."""
    parts = topic.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != TELEMETRY:
        raise Malformed(f"not a telemetry topic: {topic[:100]!r}")
    device_id, slot = parts[2], parts[3]
    if not (_NAME.match(device_id) and _NAME.match(slot)):
        raise Malformed("device or slot name out of range")
    if len(payload) > MAX_PAYLOAD:
        raise Malformed(f"payload over {MAX_PAYLOAD} bytes")
    try:
        body = json.loads(payload)
        message_id, millis, level, signature = body["m"], body["t"], body["l"], body["s"]
    except (ValueError, KeyError, TypeError) as error:
        raise Malformed(f"not a telemetry payload: {error}") from None
    if not (isinstance(message_id, str) and _NAME.match(message_id)):
        raise Malformed("message id out of range")
    if not isinstance(millis, int) or not 0 < millis < 2**53:
        raise Malformed("timestamp out of range")
    if not (isinstance(level, str) and isinstance(signature, str) and len(signature) == 64):
        raise Malformed("level or signature out of range")
    try:
        value = float(level)
    except ValueError:
        raise Malformed("level is not a number") from None
    if not math.isfinite(value) or value < 0 or len(level) > 32:
        raise Malformed("level out of range")
    return Telemetry(device_id, slot, message_id, millis, level, signature, topic)


def command_payload(key: str, topic: str, body: dict[str, object]) -> bytes:
    """A command, signed with the device's key so that the device can trust it."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    mac = hmac.new(key.encode(), f"{topic}|{text}".encode(), hashlib.sha256).hexdigest()
    return json.dumps({"b": text, "s": mac}).encode()


def valid_name(name: str) -> bool:
    """Device ids, slot names and press ids: what fits a topic level and a key."""
    return bool(_NAME.match(name))
