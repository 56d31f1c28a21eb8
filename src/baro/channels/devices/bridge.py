"""The MQTT bridge: appliances' telemetry and presses in, what they came to out.

One asyncio process (``baro devices bridge``) subscribes ``baro/dt/+/+`` and ``baro/press/+/+``
at QoS 1 and checks every message before anything acts on it (``Verifier``):

    shape       ``protocol.parse_telemetry`` / ``parse_press``                 malformed
    device      its signing key, from memory (``Devices.signing_keys``,
                reloaded on a miss at most once every few seconds)            unknown_device
    signature   HMAC-SHA256 over the topic and the fields                      bad_signature
    time        the message's timestamp within ± the window of the clock      stale
    message id  not seen on its topic within the window                        duplicate

A rejected message is counted by its reason and dropped: never acted on, never an error of
the bridge. The dedupe is what makes QoS 1's redeliveries (and a replay of a captured
message) harmless: a message older than the window is stale, and one inside it is
remembered, so none is applied twice.

Accepted telemetry is batched into ``Devices.report_levels`` (one read and one write per
batch, on one thread: **the bridge is the one writer of slot levels** — ``level``,
``level_at``, ``rate_per_day``, ``cycle``, ``reordered_cycle`` — so run one bridge per
database; two would read and write the same slots without a lock). Presses go through a
``MicroBatcher`` into ``Devices.press_all``, so presses of many devices form one batch of
the spine's 1-Click path. What each press and each reorder came to is published to its
device on ``baro/cmd/{device_id}/order``, signed: ordered, already_on_its_way,
held_for_confirmation, or error with its code. A repeat of a press already answered gets
the same answer again, without acting.

Delivery: paho acknowledges a QoS 1 message when it has read it, before the batch is
written. A bridge killed in between loses those messages: telemetry is periodic (the next
reading carries the level), and a press is re-sent by its device when no answer comes, with
the same press id, which finds the same order. With a fixed client id and
``clean_session=False`` (the command's default) the broker keeps what arrives while the
bridge is away.

Broker: mosquitto's ``set_tcp_nodelay true`` lets an answer leave the broker at once; with
its default (false) each answer can wait up to 40 ms behind the press's acknowledgement.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from prometheus_client import Counter

from baro.core.batching import MicroBatcher
from baro.core.clock import Clock
from baro.core.errors import DomainError

from .domain import DeviceNotClaimed, Held, OnItsWay, Ordered, PressResult
from .protocol import (
    ORDER_ANSWER,
    PRESS_FILTER,
    PRESSES,
    TELEMETRY,
    TELEMETRY_FILTER,
    Malformed,
    PressMessage,
    Telemetry,
    command_payload,
    command_topic,
    parse_press,
    parse_telemetry,
)
from .service import DevicePress, Devices, LevelReading

log = logging.getLogger("baro.devices.bridge")

ACCEPTED = "accepted"
MALFORMED = "malformed"
UNKNOWN_DEVICE = "unknown_device"
BAD_SIGNATURE = "bad_signature"
STALE = "stale"
DUPLICATE = "duplicate"
REASONS = (MALFORMED, UNKNOWN_DEVICE, BAD_SIGNATURE, STALE, DUPLICATE)

MESSAGES = Counter(
    "baro_device_messages",
    "MQTT messages the bridge received, by kind (telemetry, press) and outcome "
    "(accepted, or the reason it was rejected)",
    ["kind", "outcome"],
)
REORDERS = Counter(
    "baro_device_reorders", "Reorders telemetry placed, by what they came to", ["status"]
)
PRESSES_DONE = Counter("baro_device_presses", "MQTT presses, by what they came to", ["status"])
BATCH_FAILURES = Counter(
    "baro_device_batch_failures", "Batches the bridge could not apply (logged)", ["kind"]
)


class Signed(Protocol):
    """What the verifier needs of a message: telemetry and presses both have it."""

    @property
    def device_id(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def millis(self) -> int: ...
    @property
    def topic(self) -> str: ...
    def verify(self, key: str) -> bool: ...


class Verifier:
    """Known device, signature, time window and dedupe: pure, on the time it is given.

    Owner: the bridge's event loop (one thread). ``keys`` and the dedupe memory are read and
    written only from there, so they need no lock.
    """

    def __init__(self, window_ms: int, keys: dict[str, str] | None = None) -> None:
        if window_ms < 1:
            raise ValueError(f"the window must be at least 1 ms, got {window_ms}")
        self.window_ms = window_ms
        self.keys: dict[str, str] = dict(keys or {})
        # "topic|message id" -> until when it is remembered (epoch ms), and the same as a
        # heap by that time, to forget in order. A message is remembered until its
        # timestamp leaves the window: after that a replay of it is stale anyway. The key
        # is per topic, not per device: the topic is signed, so a message cannot be moved
        # to another topic to pass as new, and a device may reuse an id on another slot.
        self._seen: dict[str, int] = {}
        self._expiry: list[tuple[int, str]] = []

    def check(self, message: Signed, now_ms: int) -> str:
        """ACCEPTED (and the message is remembered), or the reason it is rejected."""
        self._forget(now_ms)
        key = self.keys.get(message.device_id)
        if key is None:
            return UNKNOWN_DEVICE
        if not message.verify(key):
            return BAD_SIGNATURE
        if abs(message.millis - now_ms) > self.window_ms:
            return STALE
        seen = f"{message.topic}|{message.message_id}"
        if seen in self._seen:
            return DUPLICATE
        until = max(message.millis, now_ms) + self.window_ms
        self._seen[seen] = until
        heapq.heappush(self._expiry, (until, seen))
        return ACCEPTED

    def _forget(self, now_ms: int) -> None:
        expiry, seen = self._expiry, self._seen
        while expiry and expiry[0][0] < now_ms:
            until, key = heapq.heappop(expiry)
            if seen.get(key) == until:
                del seen[key]

    @property
    def remembered(self) -> int:
        return len(self._seen)


def parse(topic: str, payload: bytes) -> Telemetry | PressMessage:
    """A message of either kind, by its topic; raises ``Malformed``."""
    if topic.startswith(TELEMETRY + "/"):
        return parse_telemetry(topic, payload)
    if topic.startswith(PRESSES + "/"):
        return parse_press(topic, payload)
    raise Malformed(f"not a device topic: {topic[:100]!r}")


def answer(press_id: str, slot: str, result: PressResult | Exception) -> dict[str, object]:
    """What a press (or a reorder, press id ``level-<cycle>``) came to, for its device."""
    body: dict[str, object] = {"press": press_id, "slot": slot}
    if isinstance(result, Ordered):
        body |= {
            "status": result.status,
            "order_id": result.order.id,
            "replayed": result.replayed,
            "total": str(result.order.total),
        }
    elif isinstance(result, OnItsWay):
        body |= {"status": result.status, "order_id": result.order_id}
    elif isinstance(result, Held):
        body |= {
            "status": result.status,
            "price": str(result.price),
            "reference_price": str(result.reference_price),
        }
    else:
        code = result.code if isinstance(result, DomainError) else "internal_error"
        body |= {"status": "error", "code": code}
    return body


@dataclass(frozen=True)
class Broker:
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Broker:
        """``mqtt://host[:port]``; raises ValueError for anything else."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError(f"an MQTT URL is mqtt://host[:port], got {url!r}")
        return cls(parts.hostname, parts.port or 1883)

    def __str__(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


@dataclass
class _Counts:
    """The bridge's counters for ``stats()``. Owner: the event loop's thread (every
    increment happens there); another thread may read a snapshot."""

    received: int = 0
    telemetry: int = 0  # accepted telemetry
    presses_accepted: int = 0
    processed: int = 0  # accepted telemetry applied by report_levels
    failed: int = 0  # accepted telemetry in a batch that failed
    telemetry_batches: int = 0
    apply_s: float = 0.0  # wall time of the telemetry batches, reorders included
    reorders: int = 0
    presses: int = 0  # presses answered
    answers: int = 0  # answers published
    first_received: float | None = None  # time.monotonic()
    last_processed: float | None = None


class Bridge:
    """Run with ``await bridge.run()``; ``stop()`` ends it after the work in hand is done."""

    def __init__(
        self,
        devices: Devices,
        clock: Clock,
        broker: Broker,
        *,
        window_s: float = 300,
        client_id: str = "baro-bridge",
        clean_session: bool = False,
        reload_every_s: float = 3.0,
        max_batch: int = 1_000,
        reconnect: bool = True,
    ) -> None:
        self._devices = devices
        self._clock = clock
        self.broker = broker
        self._client_id = client_id
        self._clean_session = clean_session
        self._reload_every = reload_every_s
        self._max_batch = max_batch
        self._reconnect = reconnect
        # Owned by the event loop: the verifier (keys, dedupe memory), the readings waiting
        # for a batch, the counts, the answers already given, the tasks in flight.
        self.verifier = Verifier(round(window_s * 1000))
        self._keys_loaded_at = -1e9
        self._readings: list[LevelReading] = []
        self._draining: asyncio.Task[None] | None = None
        self._answered: dict[str, bytes] = {}  # press topic|press id -> its answer
        self._tasks: set[asyncio.Task[Any]] = set()
        self.counts = _Counts()
        self.rejected = dict.fromkeys(REASONS, 0)
        self._client: aiomqtt.Client | None = None
        self._stop: asyncio.Event | None = None
        self._ready: Callable[[], None] | None = None
        # One thread applies telemetry: batches are applied in arrival order, one at a time
        # (the one writer of slot levels). Presses have their own batcher's thread.
        self._telemetry_thread = ThreadPoolExecutor(1, thread_name_prefix="bridge-telemetry")
        self._presses: MicroBatcher[PressMessage, PressResult] = MicroBatcher(
            self._press_batch, max_batch=64, name="bridge-presses"
        )

    # running --------------------------------------------------------------------------------

    async def run(self, ready: Callable[[], None] | None = None) -> None:
        """Connect, subscribe, and handle messages until ``stop()``; with ``reconnect``,
        a lost broker is retried with back-off (the session and its queue are the
        broker's). ``ready`` is called once subscribed."""
        self._stop = asyncio.Event()
        self._ready = ready
        await self._load_keys()
        delay = 1.0
        try:
            while not self._stop.is_set():
                try:
                    await self._session()
                    return
                except aiomqtt.MqttError as error:
                    if not self._reconnect:
                        raise
                    log.warning("MQTT broker %s: %s; again in %.0f s", self.broker, error, delay)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), delay)
                    delay = min(delay * 2, 30.0)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker threads (``run`` does it when it ends)."""
        self._telemetry_thread.shutdown(wait=True)
        self._presses.close()

    async def _session(self) -> None:
        try:
            await self._connected()
        finally:
            self._client = None

    async def _connected(self) -> None:
        assert self._stop is not None
        # MQTT 5, for its flow control: the bridge's Receive Maximum lets the broker send it
        # up to 65,535 messages not yet acknowledged. At MQTT 3.1.1 mosquitto sends 20 and
        # queues the rest, and drops what is past its queue (1,000 by default): a burst
        # faster than the bridge would be lost there. The bridge reads them in order into
        # memory instead. A persistent session outlives the connection for a day.
        connect = Properties(PacketTypes.CONNECT)
        connect.ReceiveMaximum = 65_535
        if not self._clean_session:
            connect.SessionExpiryInterval = 86_400
        async with aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            identifier=self._client_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=self._clean_session,
            properties=connect,
            max_inflight_messages=1_000,
            # Answers go out at once: without it, an answer waits behind the acknowledgement
            # of the last packet (Nagle), 40 ms of delayed ACK on Linux.
            socket_options=((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),),
        ) as client:
            client.pending_calls_threshold = 100_000  # answers in flight are normal here
            self._client = client
            await client.subscribe([(TELEMETRY_FILTER, 1), (PRESS_FILTER, 1)])
            log.info("bridge subscribed on %s as %s", self.broker, self._client_id)
            if self._ready is not None:
                self._ready()
                self._ready = None
            consume = asyncio.create_task(self._consume(client))
            stopping = asyncio.create_task(self._stop.wait())
            await asyncio.wait((consume, stopping), return_when=asyncio.FIRST_COMPLETED)
            if consume.done():
                stopping.cancel()
                consume.result()  # a lost connection: MqttError, to reconnect
                return
            # A clean stop: no new messages, then those already read (and acknowledged) are
            # handled, applied and answered before the connection closes.
            await client.unsubscribe([TELEMETRY_FILTER, PRESS_FILTER])
            consume.cancel()
            while len(client.messages):
                message = await anext(client.messages)
                await self.receive(message.topic.value, _bytes(message.payload))
            await self._finish()

    def stop(self) -> None:
        """Stop after the readings and presses in hand are applied and answered."""
        if self._stop is not None:
            self._stop.set()

    async def _finish(self) -> None:
        while self._draining is not None or self._tasks:
            if self._draining is not None:
                await self._draining
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _consume(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            await self.receive(message.topic.value, _bytes(message.payload))

    # one message --------------------------------------------------------------------------

    async def receive(self, topic: str, payload: bytes) -> str:
        """Check one message and hand it on; returns ACCEPTED or the reason it was not."""
        counts = self.counts
        counts.received += 1
        if counts.first_received is None:
            counts.first_received = time.monotonic()
        try:
            message = parse(topic, payload)
        except Malformed:
            return self._reject("unknown", MALFORMED)
        kind = "press" if isinstance(message, PressMessage) else "telemetry"
        if message.device_id not in self.verifier.keys and self._may_reload():
            await self._load_keys()
        verdict = self.verifier.check(message, self._now_ms())
        if verdict == DUPLICATE and isinstance(message, PressMessage):
            self._answer_again(message)
        if verdict != ACCEPTED:
            return self._reject(kind, verdict)
        MESSAGES.labels(kind, ACCEPTED).inc()
        if isinstance(message, PressMessage):
            counts.presses_accepted += 1
            self._spawn(self._press(message))
        else:
            counts.telemetry += 1
            self._readings.append(
                LevelReading(message.device_id, message.slot, message.level, message.at)
            )
            if self._draining is None:
                self._draining = asyncio.create_task(self._drain())
        return ACCEPTED

    def _reject(self, kind: str, reason: str) -> str:
        self.rejected[reason] += 1
        MESSAGES.labels(kind, reason).inc()
        return reason

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    def _may_reload(self) -> bool:
        return time.monotonic() - self._keys_loaded_at >= self._reload_every

    async def _load_keys(self) -> None:
        """Every device's key, read on a thread (a new device is known from its first
        message, or within ``reload_every_s`` of the last reload)."""
        self._keys_loaded_at = time.monotonic()
        self.verifier.keys = await asyncio.to_thread(self._devices.signing_keys)

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # telemetry ------------------------------------------------------------------------------

    async def _drain(self) -> None:
        """Apply the waiting readings in batches, oldest first, one batch at a time."""
        loop = asyncio.get_running_loop()
        try:
            while self._readings:
                batch = self._readings[: self._max_batch]
                del self._readings[: self._max_batch]
                started = time.perf_counter()
                try:
                    reorders = await loop.run_in_executor(
                        self._telemetry_thread, self._devices.report_levels, batch
                    )
                except Exception:
                    # The database refused the batch: its readings are lost (the next
                    # readings carry the levels on); the bridge goes on.
                    log.exception("telemetry batch of %d readings not applied", len(batch))
                    BATCH_FAILURES.labels("telemetry").inc()
                    self.counts.failed += len(batch)
                    continue
                self.counts.apply_s += time.perf_counter() - started
                self.counts.processed += len(batch)
                self.counts.telemetry_batches += 1
                self.counts.last_processed = time.monotonic()
                for press, result in reorders:
                    self.counts.reorders += 1
                    REORDERS.labels(_status(result)).inc()
                    self._publish_answer(press.device_id, press.slot, press.press_id, result)
        finally:
            self._draining = None

    # presses --------------------------------------------------------------------------------

    async def _press(self, message: PressMessage) -> None:
        try:
            result: PressResult | Exception = await self._presses.submit(message)
        except Exception as error:  # the press's own failure, or its batch's
            result = error
        self.counts.presses += 1
        PRESSES_DONE.labels(_status(result)).inc()
        payload = self._publish_answer(message.device_id, message.slot, message.message_id, result)
        if payload is not None:
            self._answered[f"{message.topic}|{message.message_id}"] = payload
            self._forget_answers()

    def _press_batch(self, messages: Sequence[PressMessage]) -> list[PressResult | Exception]:
        """On the batcher's thread: the devices' owners in one query, then one press_all."""
        callers = self._devices.callers([m.device_id for m in messages])
        outcomes: list[PressResult | Exception | None] = [None] * len(messages)
        presses, places = [], []
        for place, message in enumerate(messages):
            caller = callers.get(message.device_id)
            if caller is None:
                outcomes[place] = DeviceNotClaimed(f"device {message.device_id} has no owner")
                continue
            presses.append(
                DevicePress(caller.principal, message.device_id, message.slot, message.message_id)
            )
            places.append(place)
        for place, result in zip(places, self._devices.press_all(presses), strict=True):
            outcomes[place] = result
        return [o for o in outcomes if o is not None]

    def _answer_again(self, message: PressMessage) -> None:
        """A press repeated inside the window (QoS 1 redelivery, or a device that missed its
        answer): the answer given, again; nothing is pressed. Still in flight: the first's
        answer is on its way."""
        payload = self._answered.get(f"{message.topic}|{message.message_id}")
        if payload is not None and self._client is not None:
            self._spawn(self._publish(command_topic(message.device_id, ORDER_ANSWER), payload))

    def _forget_answers(self) -> None:
        # Presses are rare beside telemetry; keep the last 10,000 answers (dicts keep
        # insertion order: the oldest go first).
        while len(self._answered) > 10_000:
            del self._answered[next(iter(self._answered))]

    # answers --------------------------------------------------------------------------------

    def _publish_answer(
        self, device_id: str, slot: str, press_id: str, result: PressResult | Exception
    ) -> bytes | None:
        key = self.verifier.keys.get(device_id)
        if key is None or self._client is None:
            return None
        topic = command_topic(device_id, ORDER_ANSWER)
        payload = command_payload(key, topic, answer(press_id, slot, result))
        self._spawn(self._publish(topic, payload))
        return payload

    async def _publish(self, topic: str, payload: bytes) -> None:
        if self._client is None:
            return
        try:
            await self._client.publish(topic, payload, qos=1, timeout=10)
            self.counts.answers += 1
        except aiomqtt.MqttError as error:
            log.warning("answer to %s not published: %s", topic, error)

    # what it did ----------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """A snapshot of the counters (read from any thread; each value is read once)."""
        counts = self.counts
        return {
            "received": counts.received,
            "accepted_telemetry": counts.telemetry,
            "accepted_presses": counts.presses_accepted,
            "processed_telemetry": counts.processed,
            "failed_telemetry": counts.failed,
            "waiting_telemetry": len(self._readings),
            "telemetry_batches": counts.telemetry_batches,
            "telemetry_apply_s": round(counts.apply_s, 3),
            "rejected": dict(self.rejected),
            "reorders": counts.reorders,
            "presses": counts.presses,
            "press_batches": self._presses.batches,
            "answers": counts.answers,
            "remembered_ids": self.verifier.remembered,
            "first_received_monotonic": counts.first_received,
            "last_processed_monotonic": counts.last_processed,
        }


def _bytes(payload: object) -> bytes:
    """paho gives bytes; anything else is odd, and parsed as its text."""
    return payload if isinstance(payload, bytes) else str(payload).encode()


def _status(result: PressResult | Exception) -> str:
    if isinstance(result, Exception):
        return result.code if isinstance(result, DomainError) else "internal_error"
    return result.status
