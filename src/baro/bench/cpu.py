"""Where a bench's CPU goes: the server's processes, the database's, and the load client.

Throughput on a small machine is bounded by CPU shared between all three, so a bench that
reports orders/s also says how many CPU milliseconds each part spent per order. Read from
``/proc`` (Linux); elsewhere the meter reports nothing rather than a guess.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class ProcessCpu:
    pid: int
    parent: int
    command: str
    cpu_s: float


def processes(proc: Path = PROC) -> dict[int, ProcessCpu]:
    """Every process we can read, with its parent and the CPU (user + system) it has used."""
    found = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it exited while we looked
            continue
        # The command name in parentheses may itself hold spaces or parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        user_ticks, system_ticks = int(fields[11]), int(fields[12])
        found[int(entry.name)] = ProcessCpu(
            pid=int(entry.name),
            parent=int(fields[1]),
            command=command.strip() or stat.split(" ", 2)[1].strip("()"),
            cpu_s=(user_ticks + system_ticks) / _CLOCK_TICKS,
        )
    return found


def descendants(root: int, table: dict[int, ProcessCpu]) -> set[int]:
    """``root`` and every process below it, of those in ``table``."""
    children: dict[int, list[int]] = {}
    for process in table.values():
        children.setdefault(process.parent, []).append(process.pid)
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree and pid in table:
            tree.add(pid)
            todo.extend(children.get(pid, []))
    return tree


# A group picks its processes' pids out of the table of all processes.
Groups = dict[str, Callable[[dict[int, ProcessCpu]], set[int]]]


@dataclass
class CpuMeter:
    """CPU seconds per named group of processes over a ``measuring()`` block; the calling
    process itself is the group ``client``."""

    groups: Groups
    used_s: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measuring(self) -> Iterator[CpuMeter]:
        if not PROC.is_dir():
            yield self
            return
        before, client_before = processes(), _own_cpu_s()
        yield self
        after, client_after = processes(), _own_cpu_s()
        self.used_s = {"client": client_after - client_before}
        for name, members in self.groups.items():
            # A process that started during the run (a new database connection) counts
            # from zero; one that ended during it is lost, which undercounts a little.
            self.used_s[name] = sum(
                after[pid].cpu_s - (before[pid].cpu_s if pid in before else 0.0)
                for pid in members(after)
            )

    def per_unit_ms(self, units: int) -> dict[str, float]:
        return {name: round(1000 * s / max(units, 1), 2) for name, s in self.used_s.items()}

    def utilisation(self, wall_s: float) -> float | None:
        """Share of all the machine's cores that the measured processes kept busy."""
        if not self.used_s or wall_s <= 0:
            return None
        return round(sum(self.used_s.values()) / (wall_s * (os.cpu_count() or 1)), 3)


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_group(server_pid: int) -> Groups:
    return {"server": lambda table: descendants(server_pid, table)}


def postgres_group() -> Groups:
    """PostgreSQL's processes, when the server runs on this machine."""
    return {
        "postgres": lambda table: {
            pid
            for pid, process in table.items()
            if process.command.startswith(("postgres", "/usr/lib/postgresql"))
        }
    }
