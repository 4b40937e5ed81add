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

from bot.core.handlers import ChatCore
from bot.core.messages import Button, Edit, Incoming, Outgoing, Reply
from bot.i18n import words

Known = Callable[[str], str | None]


def render_buttons(buttons: tuple[Button, ...], lang: str, indent: str = "  ") -> str:
    """Each button with what typing does the same, in the reader's language."""
    w = words(lang)
    typed = (w(f"typed.{b.action.kind}", id=b.action.request_id) for b in buttons)
    return indent + " ".join(f"[{b.label}: {t}]" for b, t in zip(buttons, typed, strict=True))


def render_notice(notice: Outgoing) -> list[str]:
    body = notice.text.replace("\n", "\n    ")
    to = "#team" if notice.channel else f"@{notice.to}"
    lines = [f"→ {to}: {body}"]
    if notice.buttons:
        lines.append(render_buttons(notice.buttons, notice.lang, "    "))
    return lines


def render_edit(edit: Edit) -> list[str]:
    body = edit.text.replace("\n", "\n    ")
    return [f"✎ @{edit.recipient}'s message {edit.ref.get('n', '?')} now reads: {body}"]


def render(reply: Reply, extra: list[Outgoing | Edit] | None = None) -> str:
    """A reply block: the answer, its buttons, every notice to someone else, then the
    messages posted earlier that were edited because their buttons went stale."""
    lines = [reply.text] if reply.text else []
    if reply.buttons:
        lines.append(render_buttons(reply.buttons, reply.lang))
    for notice in reply.notices:
        lines += render_notice(notice)
    for item in [*reply.edits, *(extra or [])]:
        lines += render_edit(item) if isinstance(item, Edit) else render_notice(item)
    return "\n".join(lines)


class Console:
    def __init__(
        self,
        core: ChatCore,
        team: str,
        agent_id: str,
        *,
        find: Known,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.core = core
        self.team = team
        self.agent_id = agent_id
        self.find = find
        self.now = now
        self.posted = 0

    def _post(self, reply: Reply) -> list[Edit]:
        """Record every message with buttons as posted (numbered), as a chat transport would."""
        edits: list[Edit] = []
        shown: list[tuple[str, tuple[Button, ...], str]] = []
        if reply.blocks:
            shown += [(self.agent_id, b.buttons, reply.lang) for b in reply.blocks]
        elif reply.buttons:
            shown.append((self.agent_id, reply.buttons, reply.lang))
        shown += [(n.to, n.buttons, n.lang) for n in reply.notices if n.to is not None]
        # One posted message per request (or roster draft) its buttons are about.
        targets: list[tuple[str, int, tuple[Button, ...], str]] = []
        for recipient, buttons, lang in shown:
            by_id: dict[int, list[Button]] = {}
            for b in buttons:
                by_id.setdefault(b.action.request_id, []).append(b)
            targets += [(recipient, rid, tuple(bs), lang) for rid, bs in by_id.items()]
        for recipient, request_id, buttons, lang in targets:
            self.posted += 1
            edit = self.core.posted(
                self.team,
                "console",
                recipient,
                request_id,
                [b.action.kind for b in buttons],
                {"n": self.posted},
                lang,
                self.now() if self.now else None,
            )
            if edit is not None:
                edits.append(edit)
        return edits

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
            found = self.find(who)
            if found is None:
                return f"There is no agent @{who} in team {self.team}."
            self.agent_id = found
            return f"You are now @{found}."
        now = self.now() if self.now else None
        reply = self.core.handle(Incoming(team=self.team, sender=self.agent_id, text=text, now=now))
        extra: list[Outgoing | Edit] = [*self._post(reply)]
        extra += self.core.drain(self.team, now)
        return render(reply, extra)

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
