"""Settings from the environment (and a ``.env`` file in the working directory)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

from storage.urls import DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    telegram_bot_token: str | None = None
    telegram_api_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_webhook_url: str | None = None
    log_level: str = "INFO"


def load_settings(env_file: Path | None = None) -> Settings:
    """Read settings; real environment variables win over the ``.env`` file."""
    load_dotenv(env_file or Path.cwd() / ".env", override=False)

    def get(name: str) -> str | None:
        value = os.environ.get(name, "").strip()
        return value or None

    return Settings(
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_api_url=get("SLACK_API_URL"),
        telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
        telegram_api_url=get("TELEGRAM_API_URL"),
        telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
        telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL"),
        log_level=(get("SHIFTBOT_LOG_LEVEL") or "INFO").upper(),
    )
