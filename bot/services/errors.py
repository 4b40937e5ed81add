"""Named domain errors. Handlers turn them into helpful replies in one place."""

from __future__ import annotations

from collections.abc import Sequence

from planner.rules import Violation


class DomainError(Exception):
    """A request the service refuses, with a message for the person who asked."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


class RulesBroken(DomainError):
    """The change breaks one or more roster rules; every one is listed."""

    code = "rules_broken"

    def __init__(self, headline: str, violations: Sequence[Violation]) -> None:
        super().__init__(headline)
        self.violations = list(violations)
