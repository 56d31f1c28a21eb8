"""Serve the API from several worker processes, each with a listening socket of its own.

uvicorn's supervisor binds one socket and hands it to every worker; whichever worker wakes
first accepts the connection, and under load one worker took 36 of 47 keep-alive
connections against the other's 11: its batches grew, its requests waited, and that was
the p99 tail. Here every worker binds its own socket to the same port with
``SO_REUSEPORT``, and the kernel spreads new connections over the workers evenly. The
supervisor restarts a worker that dies (a crash, an OOM kill) and stops them all on
SIGTERM or SIGINT. Written here, not taken: uvicorn's and gunicorn's supervisors both share
one socket among the workers (gunicorn's ``reuse_port`` only sets the option on it).

Where ``SO_REUSEPORT`` is missing (not Linux or BSD), uvicorn's own supervisor runs.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import multiprocessing
import signal
import socket
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from baro.channels.web.app import APP_FACTORY
from baro.channels.web.observability import ObservabilitySettings
from baro.core.failpoints import arm_from_environment
from baro.core.logs import configure_logging
from baro.core.metrics import mark_process_dead, prepare_multiprocess_dir

# Allocations between collections of the youngest generation (CPython's default: 700). A
# request allocates thousands of short-lived objects; collecting every 700 costs CPU for
# nothing, since reference counting frees them anyway.
GC_YOUNG_THRESHOLD = 20_000
MAX_DEATHS_BEFORE_SERVING = 5  # in a row, before serving: the workers cannot start (bad settings)
STOP_GRACE_S = 20.0

log = logging.getLogger("baro.server")


class WorkersCannotStart(RuntimeError):
    """Worker after worker died as soon as it started: settings or the environment are wrong."""


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    loop: str = "auto"  # uvloop when installed
    http: str = "auto"  # httptools when installed
    log_level: str = "warning"

    def resolved(self) -> ServerOptions:
        """``auto`` replaced by what is installed: uvloop and httptools are much faster
        (plain h11 measured ~20x slower here), but the server runs without them."""
        loop = self.loop
        if loop == "auto":
            loop = "uvloop" if _installed("uvloop") else "asyncio"
        http = self.http
        if http == "auto":
            http = "httptools" if _installed("httptools") else "h11"
        return ServerOptions(self.host, self.port, self.workers, loop, http, self.log_level)

    def missing_speedups(self) -> list[str]:
        """The fast implementations that are not installed, for a warning at start."""
        return [name for name in ("uvloop", "httptools") if not _installed(name)]

    def uvicorn_settings(self) -> dict[str, Any]:
        return {
            "factory": True,
            "host": self.host,
            "port": self.port,
            "loop": self.loop,
            "http": self.http,
            "log_level": self.log_level,
            "access_log": False,  # baro writes its own access log, with request ids
            # Forwarded headers are trusted only from BARO_FORWARDED_ALLOW_IPS, in the app.
            "proxy_headers": False,
            "server_header": False,
        }


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def serve(options: ServerOptions) -> None:
    """Run the server until SIGTERM or SIGINT (blocks)."""
    options = options.resolved()
    if options.workers == 1:
        _run_worker(options, sock=None)
        return
    logging_settings = ObservabilitySettings()  # the supervisor's own lines, as the workers'
    configure_logging(logging_settings.log_level, logging_settings.log_format)
    with tempfile.TemporaryDirectory(prefix="baro-metrics-") as metrics_dir:
        prepare_multiprocess_dir(Path(metrics_dir))  # the workers inherit it (environment)
        if hasattr(socket, "SO_REUSEPORT"):
            _check_port_free(options.host, options.port)
            Supervisor(options).run()
        else:
            uvicorn.run(APP_FACTORY, workers=options.workers, **options.uvicorn_settings())


def _check_port_free(host: str, port: int) -> None:
    """Fail before starting workers if something listens there already. Binding without
    SO_REUSEPORT also refuses to join another server's group of reused sockets, which
    would silently share this port's connections with it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from error


class _Worker(uvicorn.Server):
    """uvicorn's server, saying when it serves (its app started, its socket listening)."""

    def __init__(self, config: uvicorn.Config, serving: EventType | None) -> None:
        super().__init__(config)
        self._serving = serving

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._serving is not None:
            self._serving.set()


def _run_worker(
    options: ServerOptions, sock: socket.socket | None, serving: EventType | None = None
) -> None:
    """One worker: the app on uvicorn, on ``sock`` (or binding host:port itself); sets
    ``serving`` once it serves."""
    arm_from_environment()
    config = uvicorn.Config(APP_FACTORY, **options.uvicorn_settings())
    config.load()  # builds the app, its services and every module they import
    # What exists now lives as long as the process: keep it out of the garbage collector's
    # full passes, which otherwise walk it all (hundreds of thousands of objects) every few
    # seconds under load, a pause that every request in flight waits out.
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    server = _Worker(config, serving)
    server.run(sockets=[sock] if sock is not None else None)


def _worker_main(options: ServerOptions, serving: EventType) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((options.host, options.port))
    # Not listening yet: uvicorn listens once the app has started, so that the kernel hands
    # this worker no connection while it is still importing and starting (a restarted
    # worker takes seconds; its connections would wait that long).
    _run_worker(options, sock, serving)


class Supervisor:
    """Keeps ``options.workers`` workers running until told to stop.

    Owner of ``_workers`` and ``_stopping``: the supervisor's main thread (signal handlers
    run there too, between bytecodes, and only set ``_stopping``).
    """

    def __init__(self, options: ServerOptions) -> None:
        self._options = options
        self._context = multiprocessing.get_context("spawn")
        # slot -> the worker's process, and the event it sets once it serves
        self._workers: dict[int, tuple[BaseProcess, EventType]] = {}
        self._stopping = False
        self._deaths_before_serving = 0

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in range(self._options.workers):
                self._start(slot)
            while not self._stopping:
                sentinels = [process.sentinel for process, _ in self._workers.values()]
                wait(sentinels, timeout=1.0)
                self._replace_dead()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def _start(self, slot: int) -> None:
        serving = self._context.Event()
        process = self._context.Process(
            target=_worker_main, args=(self._options, serving), name=f"baro-worker-{slot}"
        )
        process.start()
        self._workers[slot] = (process, serving)

    def _replace_dead(self) -> None:
        for slot, (process, serving) in list(self._workers.items()):
            if process.is_alive() or self._stopping:
                continue
            assert process.pid is not None
            mark_process_dead(process.pid)
            served = serving.is_set()
            log.warning(
                "worker %s exited with %s %s; starting another",
                process.pid,
                process.exitcode,
                "after serving" if served else "before it served",
                extra={"pid": process.pid, "exit_code": process.exitcode},
            )
            # Not by how long it lived: on a loaded machine a worker that cannot start (bad
            # settings) takes longer to import and die than any fixed "quick" limit, and
            # the supervisor would restart it for ever.
            self._deaths_before_serving = 0 if served else self._deaths_before_serving + 1
            if self._deaths_before_serving >= MAX_DEATHS_BEFORE_SERVING:
                raise WorkersCannotStart(
                    f"{MAX_DEATHS_BEFORE_SERVING} workers in a row died before they served; "
                    "see the log above"
                )
            self._start(slot)

    def _stop_all(self) -> None:
        for process, _ in self._workers.values():
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_GRACE_S
        for process, _ in self._workers.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
