"""What benchmarks.classroom reads of the server: its health answers, CPU and memory.

The server is `deploy/start.sh`'s processes (Streamlit's and nginx's); the machine's CPU is
read too, since on a shared machine other work takes cores from the server.
"""

from __future__ import annotations

import threading
import time
import urllib.request

import psutil

HEALTH_EVERY = 0.25  # seconds between health requests


class HealthPoller(threading.Thread):
    """Asks /_stcore/health every 0.25 s until stopped; records answer times and failures, and
    the server processes' resident memory together."""

    def __init__(self, url: str, servers: list[psutil.Process]):
        super().__init__(daemon=True)
        self.url, self.servers = url, servers
        self.answers: list[tuple[float, float]] = []  # (when, seconds to answer)
        self.resident: list[tuple[float, int]] = []  # (when, bytes in all server processes)
        self.failures: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(HEALTH_EVERY):
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    ok = response.read() == b"ok"
                took = time.perf_counter() - start
                self.answers.append((start, took))
                if not ok:
                    self.failures.append(f"answer after {took:.2f} s was not 'ok'")
            except OSError as error:
                self.failures.append(f"{type(error).__name__}: {error}")
            self.resident.append((start, resident_bytes(self.servers)))

    def between(self, start: float, end: float) -> list[float]:
        """Returns the answer times of the requests sent between two perf_counter moments."""
        return [took for when, took in self.answers if start <= when <= end]

    def peak_between(self, start: float, end: float) -> int:
        """Returns the most bytes the server processes held between two moments (0: none read)."""
        return max((rss for when, rss in self.resident if start <= when <= end), default=0)


def resident_bytes(processes: list[psutil.Process]) -> int:
    """Returns the resident memory of the living processes among these, added up."""
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """Returns the user + system CPU seconds the living processes among these have used."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


# What each Streamlit process of start.sh runs: `python -m deploy.serve run app.py ...`.
SERVER = "deploy.serve"


def runs(process: psutil.Process, name: str) -> bool:
    """Returns True when the process's command line names `name` (False once it has exited)."""
    try:
        return name in " ".join(process.cmdline())
    except psutil.Error:
        return False


def server_processes(pid: int) -> list[psutil.Process]:
    """Returns the server's processes: start.sh's Streamlit processes (`python -m deploy.serve`)
    and nginx's (its master and workers, not start.sh's once-a-second `sleep`), or start.sh
    itself when it became the one Streamlit process (exec)."""
    command = psutil.Process(pid)
    return [p for p in command.children(recursive=True)
            if runs(p, SERVER) or runs(p, "nginx")] or [command]


def machine_cpu_seconds() -> float:
    """Returns the CPU seconds every core of the machine has spent busy since boot."""
    times = psutil.cpu_times()  # (guest time is inside user already; steal is not ours)
    return sum(getattr(times, kind, 0.0) for kind in ("user", "nice", "system", "irq", "softirq"))
