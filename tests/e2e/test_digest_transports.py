"""The morning digest through the real transports: ``shiftbot digest --send`` as a process.

The process posts with nothing but the bot tokens and API addresses in its environment
(``SLACK_BOT_TOKEN``/``SLACK_API_URL``, ``TELEGRAM_BOT_TOKEN``/``TELEGRAM_API_URL``), no
``serve`` running: the fake Slack and Telegram on loopback show what the team's channels
got. The roster is the digest world's hotline on Tue 1 Dec 2026 (a day with gaps).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine

from bot.adapters.slack.blocks import unescape
from tests.fakes.slack_api import BOT_TOKEN, SCOPES, FakeSlack
from tests.fakes.telegram_api import FakeTelegram, Sent
from tests.integration import digest_world as world

ROOT = Path(__file__).parents[2]
NOW = "2026-12-01T07:55+08:00"
SLACK_CHANNEL = "C0HOTLINE1"
TELEGRAM_CHAT = -100111
PNG = b"\x89PNG\r\n\x1a\n"
CHART_NAME = "digest-hotline-2026-12-01.png"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """The digest as printed, which is what goes out."""
        return self.out.rstrip("\n")


@dataclass
class Channels:
    slack: FakeSlack
    telegram: FakeTelegram
    url: str
    cwd: Path

    def digest(self, *extra: str, **env_vars: str) -> Run:
        """``shiftbot digest --team hotline --date 2026-12-01 --send`` as its own process."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "SHIFTBOT_LOG_LEVEL": "WARNING",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": self.slack.api_url,
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_API_URL": self.telegram.base_url,
            **env_vars,
        }
        argv = ["--database-url", self.url, "digest", "--team", world.TEAM]
        argv += ["--date", "2026-12-01", "--now", NOW, "--send", *extra]
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *argv],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def slack_posts(self) -> list[str]:
        """The Web API calls that put something in a channel."""
        wanted = ("chat.postMessage", "files.completeUploadExternal")
        return [c.method for c in self.slack.calls() if c.method in wanted]

    def telegram_posts(self) -> list[Sent]:
        return self.telegram.messages(TELEGRAM_CHAT)


def _channels(engine: Engine, db_url: str, tmp_path: Path, slack: FakeSlack) -> Iterator[Channels]:
    world.build(engine, tmp_path)
    with slack, FakeTelegram() as telegram:
        yield Channels(slack, telegram, db_url, tmp_path)


def manifest_scopes() -> frozenset[str]:
    """The bot scopes ``slack_manifest.yml`` asks for."""
    manifest = (ROOT / "slack_manifest.yml").read_text()
    section = manifest.split("oauth_config:", 1)[1].split("\nsettings:", 1)[0]
    return frozenset(re.findall(r"^ {6}- ([a-z_.:]+)", section, re.MULTILINE))


@pytest.fixture
def channels(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Channels]:
    """A Slack app created from the manifest, with the scopes it asks for."""
    yield from _channels(engine, db_url, tmp_path, FakeSlack(scopes=manifest_scopes()))


@pytest.fixture
def without_files_scope(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Channels]:
    """A Slack app installed before ``files:write`` was in the manifest."""
    scopes = manifest_scopes() - {"files:write"}
    yield from _channels(engine, db_url, tmp_path, FakeSlack(scopes=scopes))


def test_the_manifest_grants_every_scope_the_web_api_calls_need() -> None:
    assert manifest_scopes() >= set(SCOPES.values())


def assert_is_the_chart(picture: bytes | None) -> None:
    assert picture is not None and picture.startswith(PNG)
    image = Image.open(io.BytesIO(picture))
    assert image.format == "PNG" and image.width == 1000
    assert image.text["Description"] == "panels: cards;loans"


@pytest.mark.slow
def test_the_digest_goes_to_each_channel_once_with_its_chart_and_once_only(
    channels: Channels,
) -> None:
    first = channels.digest()
    assert first.code == 0, first.err
    assert "digest of hotline for 2026-12-01 sent" in first.err
    assert first.text.startswith("Morning digest for hotline, Tue 1 Dec")

    # Slack: one message, the text with the chart under it (files_upload_v2).
    [message] = channels.slack.messages(SLACK_CHANNEL)
    assert unescape(message.text) == first.text
    [chart] = message.files
    assert chart.filename == CHART_NAME and chart.title == first.text.splitlines()[0]
    assert_is_the_chart(chart.data)
    assert channels.slack_posts() == ["files.completeUploadExternal"]
    assert [c.method for c in channels.slack.calls() if c.method.startswith(("files", "up"))] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]

    # Telegram: the English digest is longer than a caption (1,024): the text, then the photo.
    assert len(first.text) > 1024
    text, photo = channels.telegram_posts()
    assert text.text == first.text and text.photo is None
    assert photo.text == "" and photo.message_id > text.message_id
    assert_is_the_chart(photo.photo)

    again = channels.digest()
    assert again.code == 0, again.err
    assert "already sent; not sent again" in again.err
    assert len(channels.slack.messages(SLACK_CHANNEL)) == 1
    assert channels.slack_posts() == ["files.completeUploadExternal"]
    assert len(channels.slack.calls("upload")) == 1
    assert len(channels.telegram_posts()) == 2
    assert len(channels.telegram.calls_of("sendPhoto")) == 1


@pytest.mark.slow
def test_a_digest_that_fits_in_a_caption_is_one_photo_on_telegram(
    channels: Channels, engine: Engine
) -> None:
    world.set_language(engine, world.TEAM, "zh-Hant")
    run = channels.digest()
    assert run.code == 0, run.err
    assert run.text.startswith("hotline 晨間摘要")
    assert len(run.text) <= 1024
    [photo] = channels.telegram_posts()
    assert photo.text == run.text
    assert_is_the_chart(photo.photo)
    assert channels.telegram.calls_of("sendMessage") == []
    [message] = channels.slack.messages(SLACK_CHANNEL)
    assert unescape(message.text) == run.text and len(message.files) == 1


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_when_the_chart_cannot_be_uploaded_the_text_still_goes_out_once(
    without_files_scope: Channels, engine: Engine, lang: str
) -> None:
    channels = without_files_scope
    world.set_language(engine, world.TEAM, lang)
    channels.telegram.fail_photos = 10
    run = channels.digest()
    assert run.code == 0, run.err
    assert "digest of hotline for 2026-12-01 sent" in run.err
    # Slack refused the upload for want of files:write: the text went out on its own, and
    # the log says which scope to add.
    assert "missing_scope (the app needs the files:write scope)" in run.err
    [message] = channels.slack.messages(SLACK_CHANNEL)
    assert message.files == [] and run.text.splitlines()[0] in message.all_text()
    assert channels.slack_posts() == ["chat.postMessage"]
    # Telegram's photo failed: the text went out once, as a message.
    [text] = channels.telegram_posts()
    assert text.text == run.text and text.photo is None
    assert len(channels.telegram.calls_of("sendPhoto")) == 1
    assert "sending the digest chart to -100111 failed" in run.err

    again = channels.digest()
    assert again.code == 0 and "already sent; not sent again" in again.err
    assert channels.slack_posts() == ["chat.postMessage"]
    assert len(channels.telegram_posts()) == 1
    assert len(channels.telegram.calls_of("sendPhoto")) == 1


@pytest.mark.slow
def test_serve_with_both_front_ends_and_the_scheduler_posts_todays_digest_with_its_chart(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """The serving parts post the digest the same way: ``serve --slack-http --telegram-webhook
    --scheduler`` on a roster of today whose digest is due."""
    from tests.fakes.serve import Serve, free_port
    from tests.fakes.slack_api import SIGNING_SECRET
    from tests.integration.test_digest_processes import (
        CHANNELS,
        _zone_with_a_whole_day_left,
        build_today,
    )

    day = build_today(engine, tmp_path, _zone_with_a_whole_day_left())
    with FakeSlack() as slack, FakeTelegram() as telegram:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.base_url,
            "TELEGRAM_WEBHOOK_SECRET": "digest-test-secret",
        }
        args = ["--slack-http", str(free_port()), "--telegram-webhook", str(free_port())]
        with Serve([*args, "--scheduler"], db_url, env, tmp_path) as server:
            for slack_channel, chat_id in CHANNELS.values():
                slack.wait(lambda c=slack_channel: slack.messages(c), what=slack_channel)
                telegram.wait(lambda c=chat_id: [m for m in telegram.messages(c) if m.photo])
            time.sleep(2.0)
        assert server.proc is not None and server.proc.returncode == 0, server.output
    assert "shiftbot serving: slack, telegram, scheduler" in server.output
    for team, (slack_channel, chat_id) in CHANNELS.items():
        [message] = slack.messages(slack_channel)
        assert message.text.startswith(f"Morning digest for {team}")
        [chart] = message.files
        assert chart.filename == f"digest-{team}-{day.isoformat()}.png"
        assert (chart.data or b"").startswith(PNG)
        photos = [m for m in telegram.messages(chat_id) if m.photo]
        assert len(photos) == 1 and (photos[0].photo or b"").startswith(PNG)


@pytest.mark.slow
def test_a_wrong_slack_token_is_named_and_telegram_still_gets_the_digest(
    channels: Channels,
) -> None:
    run = channels.digest(SLACK_BOT_TOKEN="xoxb-revoked")
    assert run.code == 1
    assert "Slack refused SLACK_BOT_TOKEN: invalid_auth" in run.err
    assert "failed; it is recorded and retried" in run.err
    assert channels.slack.messages(SLACK_CHANNEL) == []
    assert len(channels.telegram_posts()) == 2
    # With the token put right, only Slack's post is left to make.
    again = channels.digest()
    assert again.code == 0, again.err
    [message] = channels.slack.messages(SLACK_CHANNEL)
    assert len(message.files) == 1
    assert len(channels.telegram_posts()) == 2
