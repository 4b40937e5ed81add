"""The terminal console: chat with the bot as one agent of a team.

On a TTY it is interactive with line editing and history; otherwise it reads one message
per line from stdin and prints one reply block per line, so it can be scripted. Buttons
are shown as the command to type (``[Accept: accept 12]``); notices for other people are
printed as ``→ @bob: …`` so the whole conversation is visible. ``/as bob`` switches who
you are (to answer as the colleague or the lead), ``/quit`` leaves.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from bot.core.messages import Button, Incoming, Reply

Handle = Callable[[Incoming], Reply]
Known = Callable[[str], bool]


def render_buttons(buttons: tuple[Button, ...], indent: str = "  ") -> str:
    return indent + " ".join(f"[{b.label}: {b.command}]" for b in buttons)


def render(reply: Reply) -> str:
    """A reply block: the answer, its buttons, then every notice to someone else."""
    lines = [reply.text]
    if reply.buttons:
        lines.append(render_buttons(reply.buttons))
    for notice in reply.notices:
        body = notice.text.replace("\n", "\n    ")
        lines.append(f"→ @{notice.to}: {body}")
        if notice.buttons:
            lines.append(render_buttons(notice.buttons, "    "))
    return "\n".join(lines)


class Console:
    def __init__(
        self,
        handle: Handle,
        team: str,
        agent_id: str,
        *,
        is_known: Known,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.handle = handle
        self.team = team
        self.agent_id = agent_id
        self.is_known = is_known
        self.now = now

    def respond(self, line: str) -> str | None:
        """The block to print for one input line; None means leave."""
        text = line.strip()
        if not text:
            return ""
        if text in ("/quit", "/exit", "quit", "exit"):
            return None
        if text.startswith("/as"):
            who = text[3:].strip().lstrip("@")
            if not who:
                return f"You are @{self.agent_id}. Switch with /as NAME."
            if not self.is_known(who):
                return f"There is no agent @{who} in team {self.team}."
            self.agent_id = who
            return f"You are now @{who}."
        reply = self.handle(
            Incoming(
                team=self.team,
                sender=self.agent_id,
                text=text,
                now=self.now() if self.now else None,
            )
        )
        return render(reply)

    def run_script(self, stdin: TextIO, stdout: TextIO) -> int:
        for line in stdin:
            block = self.respond(line)
            if block is None:
                break
            if block:
                stdout.write(block + "\n\n")
                stdout.flush()
        return 0

    def run_interactive(self, banner: str = "") -> int:
        with contextlib.suppress(ImportError):  # line editing and history for input()
            import readline  # noqa: F401
        if banner:
            print(banner)
        while True:
            try:
                line = input(f"{self.agent_id}> ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            block = self.respond(line)
            if block is None:
                return 0
            if block:
                print(block + "\n")


def run(console: Console, banner: str = "") -> int:
    if sys.stdin.isatty():
        return console.run_interactive(banner)
    return console.run_script(sys.stdin, sys.stdout)
