"""What appliances and the bridge say over MQTT, and how each message proves its sender.

Topics:   ``baro/dt/{device_id}/{slot}``     telemetry, device -> platform, QoS 1
          ``baro/press/{device_id}/{slot}``  a press of a slot, device -> platform, QoS 1
          ``baro/cmd/{device_id}/{what}``    commands and answers, platform -> device, QoS 1
Payload:  JSON ``{"m": message id, "t": epoch milliseconds, "l": level as a decimal string,
          "s": signature}``; the signature is HMAC-SHA256, keyed by the device's signing key,
          over ``topic|m|t|l``. The topic is signed, so a message cannot be moved to another
          device or slot; the level travels as a string, so every language signs the same
          bytes; the timestamp bounds replays to a window, and message ids inside the window
          are remembered, so QoS 1's redeliveries are recognised.
          A press is ``{"m": press id, "t": epoch milliseconds, "s": signature}``, signed
          over ``topic|m|t``: its message id is the press id, the order's idempotency key.

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
PRESSES = "baro/press"
COMMANDS = "baro/cmd"
TELEMETRY_FILTER = f"{TELEMETRY}/+/+"
PRESS_FILTER = f"{PRESSES}/+/+"
ORDER_ANSWER = "order"  # baro/cmd/{device_id}/order: what a press or a reorder came to
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_PAYLOAD = 512
_CONTEXT = b"baro mqtt signing v1"


def signing_key(secret: str) -> str:
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).hexdigest()


def telemetry_topic(device_id: str, slot: str) -> str:
    return f"{TELEMETRY}/{device_id}/{slot}"


def press_topic(device_id: str, slot: str) -> str:
    return f"{PRESSES}/{device_id}/{slot}"


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


def press_payload(key: str, device_id: str, slot: str, press_id: str, at: datetime) -> bytes:
    """A signed press, as a device sends it: ``press_id`` names the press (a retry of the
    same press sends the same id, and finds the same order)."""
    topic = press_topic(device_id, slot)
    millis = round(at.timestamp() * 1000)
    signed = _press_signature(key, topic, press_id, millis)
    return json.dumps({"m": press_id, "t": millis, "s": signed}).encode()


def _press_signature(key: str, topic: str, press_id: str, millis: int) -> str:
    text = f"{topic}|{press_id}|{millis}".encode()
    return hmac.new(key.encode(), text, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PressMessage:
    """A press as it arrived, not yet trusted. Its message id is the press id."""

    device_id: str
    slot: str
    message_id: str
    millis: int
    signature: str
    topic: str

    def verify(self, key: str) -> bool:
        expected = _press_signature(key, self.topic, self.message_id, self.millis)
        return hmac.compare_digest(expected, self.signature)


class Malformed(ValueError):
    """Not a telemetry message at all (counted, never acted on)."""


def _split(topic: str, prefix: str, payload: bytes) -> tuple[str, str, dict[str, object]]:
    """The device and slot of ``prefix/{device}/{slot}``, and the payload's JSON object."""
    parts = topic.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != prefix:
        raise Malformed(f"not a {prefix} topic: {topic[:100]!r}")
    device_id, slot = parts[2], parts[3]
    if not (_NAME.match(device_id) and _NAME.match(slot)):
        raise Malformed("device or slot name out of range")
    if len(payload) > MAX_PAYLOAD:
        raise Malformed(f"payload over {MAX_PAYLOAD} bytes")
    try:
        body = json.loads(payload)
    except ValueError as error:
        raise Malformed(f"not JSON: {error}") from None
    if not isinstance(body, dict):
        raise Malformed("the payload is not a JSON object")
    return device_id, slot, body


def _signed_fields(body: dict[str, object]) -> tuple[str, int, str]:
    """The message id, timestamp and signature every message carries, checked."""
    try:
        message_id, millis, signature = body["m"], body["t"], body["s"]
    except KeyError as error:
        raise Malformed(f"missing field {error}") from None
    if not (isinstance(message_id, str) and _NAME.match(message_id)):
        raise Malformed("message id out of range")
    if type(millis) is not int or not 0 < millis < 2**53:
        raise Malformed("timestamp out of range")
    if not (isinstance(signature, str) and len(signature) == 64):
        raise Malformed("signature out of range")
    return message_id, millis, signature


def parse_press(topic: str, payload: bytes) -> PressMessage:
    """A press's fields, checked for shape and range; raises ``Malformed``."""
    device_id, slot, body = _split(topic, PRESSES, payload)
    message_id, millis, signature = _signed_fields(body)
    return PressMessage(device_id, slot, message_id, millis, signature, topic)


def parse_telemetry(topic: str, payload: bytes) -> Telemetry:
    """The message's fields, checked for shape and range; raises ``Malformed``."""
    device_id, slot, body = _split(topic, TELEMETRY, payload)
    message_id, millis, signature = _signed_fields(body)
    level = body.get("l")
    if not isinstance(level, str):
        raise Malformed("level out of range")
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


def read_command(key: str, topic: str, payload: bytes) -> dict[str, object] | None:
    """A command's body if its signature holds (what a device does with ``command_payload``);
    None for anything else."""
    try:
        outer = json.loads(payload)
        text, mac = outer["b"], outer["s"]
        expected = hmac.new(key.encode(), f"{topic}|{text}".encode(), hashlib.sha256).hexdigest()
        if not (isinstance(mac, str) and hmac.compare_digest(expected, mac)):
            return None
        body = json.loads(text)
    except (ValueError, KeyError, TypeError):
        return None
    return body if isinstance(body, dict) else None


def valid_name(name: str) -> bool:
    """Device ids, slot names and press ids: what fits a topic level and a key."""
    return bool(_NAME.match(name))
