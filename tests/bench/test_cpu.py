import os
import signal
import subprocess
import sys
import time

import pytest

from baro.bench.cpu import PROC, CpuMeter, descendants, processes, server_group

pytestmark = pytest.mark.skipif(not PROC.is_dir(), reason="CPU accounting reads /proc (Linux)")

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
# Waits for a line, burns 0.4 s of CPU, says so, and stays alive until its stdin closes.
BURN_ON_CUE = (
    f"import sys; sys.stdin.readline()\n{BURN}\nprint('burnt', flush=True)\nsys.stdin.read()"
)


def test_processes_include_this_one_with_its_parent():
    table = processes()
    me = table[os.getpid()]
    assert me.parent == os.getppid()
    assert me.command  # its command line (or the title a tool like pytest-xdist set)
    assert me.cpu_s > 0


def test_descendants_are_the_whole_tree_below_a_process():
    shell = subprocess.Popen(  # a parent with a child of its own, in their own group
        ["sh", "-c", f"{sys.executable} -c 'import time; time.sleep(5)' & wait"],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            tree = descendants(shell.pid, processes())
            if len(tree) >= 2:
                break
            time.sleep(0.05)
        assert shell.pid in tree and len(tree) == 2
        assert os.getpid() not in tree
    finally:
        os.killpg(shell.pid, signal.SIGKILL)
        shell.wait()


def test_the_meter_charges_a_busy_child_to_its_group_and_not_to_the_client():
    child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep(0.3)\n{BURN}"])
    meter = CpuMeter(server_group(child.pid))
    with meter.measuring():
        child.wait(timeout=10)
        time.sleep(0.05)
    # The child exited before the end snapshot: its CPU is lost, as documented. Measure one
    # that is still alive at the end instead.
    assert meter.used_s["server"] == 0.0

    child = subprocess.Popen(
        [sys.executable, "-c", BURN_ON_CUE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        meter = CpuMeter(server_group(child.pid))
        with meter.measuring():
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline() == "burnt\n"  # 0.4 s of CPU spent, still alive
        assert 0.35 <= meter.used_s["server"] <= 0.9  # 0.4 s, read in clock ticks
        assert meter.used_s["client"] < 0.2
        per_order = meter.per_unit_ms(100)
        assert per_order["server"] == pytest.approx(1000 * meter.used_s["server"] / 100, abs=0.01)
        assert 0 < meter.utilisation(10.0) < 1  # ~0.5 s of CPU over 10 s of every core
    finally:
        child.kill()
