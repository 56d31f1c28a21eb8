"""A server install (``pip install baro``, no extras) serves, migrates, seeds and demos.

Each test runs the real ``baro`` code in a fresh interpreter in which the extras' libraries
cannot be imported (``sys.modules[name] = None`` makes ``import name`` fail as if it were not
installed), so an eager import of one of them anywhere on these paths fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from baro.bench.server import free_port, wait_until_healthy

# What the twin, robots, bench and otel extras bring; a server install has none of them.
# (NumPy and vrplib come with PyVRP, the server's van routing; Jinja2 is the pages'.)
EXTRAS_ONLY = (
    "polars",
    "numba",
    "simpy",
    "matplotlib",
    "aiohttp",
    "ortools",
    "opentelemetry.sdk",
    "opentelemetry.instrumentation",
    "opentelemetry.exporter",
)


def without_extras(code: str, *args: str, cwd: Path, env: dict[str, str] | None = None):
    prelude = f"import sys\nsys.modules.update(dict.fromkeys({EXTRAS_ONLY!r}))\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def baro_without_extras(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return without_extras("sys.argv[0] = 'baro'\nfrom baro.cli import main\nmain()", *args, cwd=cwd)


def test_the_blocked_libraries_really_cannot_be_imported(tmp_path: Path) -> None:
    result = without_extras("import polars", cwd=tmp_path)
    assert result.returncode == 1 and "ModuleNotFoundError" in result.stderr


def test_the_app_serves_requests_without_the_extras(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = without_extras(
        f"""
        from starlette.testclient import TestClient
        from baro.core.db import upgrade
        upgrade({url!r})
        import os; os.environ["BARO_DATABASE_URL"] = {url!r}
        from baro.channels.web import create_app
        with TestClient(create_app()) as client:
            print(client.get("/readyz").status_code, client.get("/v1/products").status_code)
        print(sorted(m for m in {EXTRAS_ONLY!r} if sys.modules.get(m) is not None))
        """,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["200 200", "[]"]


def test_db_upgrade_and_a_synthetic_world_without_the_extras(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"

    upgraded = baro_without_extras("db", "upgrade", "--db", url, cwd=tmp_path)
    seeded = baro_without_extras(
        "world",
        "seed",
        "--db",
        url,
        "--products",
        "20",
        "--customers",
        "3",
        "--json",
        cwd=tmp_path,
    )

    assert upgraded.returncode == 0, upgraded.stderr
    assert seeded.returncode == 0, seeded.stderr
    manifest = json.loads(seeded.stdout)
    assert len(manifest["products"]) == 20 and len(manifest["customers"]) == 3


def test_an_auto_world_without_the_twin_extra_is_synthetic_and_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data" / "olist"
    data.mkdir(parents=True)
    (data / "products.csv.gz").write_bytes(b"")  # Olist "is there": auto would pick it
    url = f"sqlite:///{tmp_path / 'w.db'}"

    seeded = baro_without_extras(
        "world",
        "seed",
        "--db",
        url,
        "--products",
        "5",
        "--customers",
        "2",
        "--data-dir",
        str(tmp_path / "data"),
        cwd=tmp_path,
    )

    assert seeded.returncode == 0, seeded.stderr
    assert "pip install 'baro[twin]'" in seeded.stderr


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (("simulate", "--dataset", "olist"), "twin"),
        (("data", "check"), "twin"),
        (("bench", "twin"), "twin"),
        (("bench", "orders"), "bench"),
        (("world", "seed", "--source", "olist", "--db", "sqlite:///w.db"), "twin"),
    ],
)
def test_a_command_that_needs_an_extra_names_it_in_one_line(tmp_path: Path, args, extra) -> None:
    result = baro_without_extras(*args, cwd=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"pip install 'baro[{extra}]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_help_of_the_server_commands_without_the_extras(tmp_path: Path) -> None:
    result = without_extras(
        """
        from typer.testing import CliRunner
        from baro.cli import app
        for command in ("serve", "demo", "db", "world", "events", "orders"):
            answer = CliRunner().invoke(app, [command, "--help"])
            print(command, answer.exit_code, answer.exception)
        """,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{command} 0 None" for command in ("serve", "demo", "db", "world", "events", "orders")
    ]


def test_traces_asked_for_without_the_otel_extra_serve_untraced_and_say_why(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = without_extras(
        f"""
        from starlette.testclient import TestClient
        from baro.core.db import upgrade
        upgrade({url!r})
        import os; os.environ["BARO_DATABASE_URL"] = {url!r}
        from baro.channels.web import create_app
        with TestClient(create_app()) as client:
            print(client.get("/v1/products").status_code)
        """,
        cwd=tmp_path,
        env={**os.environ, "OTEL_TRACES_EXPORTER": "console"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200"
    assert "pip install 'baro[otel]'" in result.stderr


def test_the_readme_demo_serves_on_a_server_install(tmp_path: Path) -> None:
    """The README's first command installs baro without extras and runs ``baro demo``."""
    port = free_port()
    prelude = f"import sys\nsys.modules.update(dict.fromkeys({EXTRAS_ONLY!r}))\n"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            prelude + "sys.argv[0] = 'baro'\nfrom baro.cli import main\nmain()",
            "demo",
            "--port",
            str(port),
            "--path",
            str(tmp_path / "demo.db"),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, timeout_s=90)
        products = httpx.get(f"{base}/v1/products", timeout=10)
        ready = httpx.get(f"{base}/readyz", timeout=10)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)

    assert products.status_code == 200 and products.json()["items"]
    assert ready.status_code == 200
    assert "Traceback" not in stderr
