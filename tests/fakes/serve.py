"""The real ``shiftbot serve`` as a subprocess on loopback, stopped by its own PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    """``python -m bot.cli serve ARGS --database-url URL``; ``start`` returns once it serves."""

    def __init__(self, args: list[str], database_url: str, env: dict[str, str], cwd: Path) -> None:
        self.args = args
        self.database_url = database_url
        self.env = {**os.environ, "SHIFTBOT_LOG_LEVEL": "WARNING", **env}
        self.cwd = cwd
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._serving = threading.Event()

    def __enter__(self) -> Serve:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def start(self, timeout: float = 90.0) -> None:
        cmd = [sys.executable, "-m", "bot.cli", "serve", *self.args]
        cmd += ["--database-url", self.database_url]
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not self._serving.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"shiftbot serve did not start:\n{self.output}")

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("shiftbot serving"):
                self._serving.set()

    def stop(self) -> int | None:
        """SIGTERM to this process's PID, then SIGKILL if it does not stop in 20 s."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        return proc.returncode
