"""Named domain errors. Each carries a catalog id and values; the edge words it.

``raise NotAllowed("error.not_a_lead", team="card-hotline", verb="approve")`` — the chat core
renders ``error.not_a_lead`` in the reader's language; ``message`` is the English text, for
logs and tests. Errors only the command line shows (analysts' options) may be plain English
text instead of an id.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import words
from planner.rules import Violation


class DomainError(Exception):
    """A request the service refuses, with a message id and its values."""

    code = "error"

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    @property
    def message(self) -> str:
        if " " in self.key:  # an analyst's command-line error, written in English only
            return self.key
        return words("en")(self.key, **self.params)

    def __str__(self) -> str:
        return self.message


class UnknownAgent(DomainError):
    code = "unknown_agent"


class UnknownTeam(DomainError):
    code = "unknown_team"


class UnknownRequest(DomainError):
    code = "unknown_request"


class NotAllowed(DomainError):
    """The person may not do this (not the counterpart, not a lead, not the requester)."""

    code = "not_allowed"


class InvalidTransition(DomainError):
    """The request is not in a state that allows this (already decided, expired …)."""

    code = "invalid_transition"


class BadRequest(DomainError):
    """Something in the message is missing or wrong (no date, a date in the past …)."""

    code = "bad_request"


class Conflict(DomainError):
    """The roster changed underneath the decision; nothing was applied."""

    code = "conflict"


class Busy(DomainError):
    """The database is held by another writer (a long import); nothing was changed."""

    code = "busy"


class RulesBroken(DomainError):
    """The change breaks one or more roster rules; every one is listed."""

    code = "rules_broken"

    def __init__(self, key: str, violations: Sequence[Violation], /, **params: object) -> None:
        super().__init__(key, **params)
        self.violations = list(violations)

    @property
    def message(self) -> str:
        head = words("en").tn(self.key, len(self.violations), **self.params)
        return " ".join([head, *(v.message for v in self.violations)])
