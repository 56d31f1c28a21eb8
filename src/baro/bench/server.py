"""A real baro server in a child process, for benches that drive it over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    pid: int  # the supervisor (one worker: the server itself); workers are its children


@contextmanager
def running_server(
    url: str,
    *,
    workers: int,
    port: int | None = None,
    environment: Mapping[str, str] | None = None,
) -> Iterator[RunningServer]:
    """Run ``baro serve`` on ``url``: its workers, each with its own socket, restarted if
    one dies. ``environment`` adds variables (settings, failpoints) for the server."""
    port = port or free_port()
    command = [
        *(sys.executable, "-m", "baro", "serve", "--db", url),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
    ]
    environment = {**os.environ, "BARO_DATABASE_URL": url, **(environment or {})}
    # The log goes to a file: a pipe nobody reads would block the server once full.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603
            command, stdout=log, stderr=subprocess.STDOUT, env=environment
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, process, log)
            yield RunningServer(base, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.seek(0)
            problems = [
                line
                for line in log.read().decode(errors="replace").splitlines()
                if "died" in line or "ERROR" in line or "Traceback" in line
            ]
            if problems:
                print("server log:", *problems[:20], sep="\n  ", file=sys.stderr)


def wait_until_healthy(
    base: str,
    process: subprocess.Popen[Any],
    log: IO[bytes] | None = None,
    timeout_s: float = 60,
) -> None:
    """Poll /healthz until it answers 200; fail early, with the log, if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = ""
            if log is not None:
                log.seek(0)
                stderr = log.read().decode(errors="replace")
            raise RuntimeError(f"the server exited with {process.returncode}:\n{stderr[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not become healthy in {timeout_s} s")
