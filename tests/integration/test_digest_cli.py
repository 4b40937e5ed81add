"""``shiftbot digest``: text, JSON, the chart file, and posting it exactly once."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine

import bot.scheduling
from bot.cli import main
from storage import digests as claims
from storage import repository as repo
from storage.unit_of_work import UnitOfWork
from tests.integration import digest_world as world

NOW = "2026-12-01T07:55+08:00"


@pytest.fixture
def url(engine: Engine, db_url: str, tmp_path: Path) -> str:
    world.build(engine, tmp_path)
    return db_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def digest(url: str, *args: str) -> list[str]:
    return ["--database-url", url, "digest", "--team", world.TEAM, *args]


def test_the_digest_of_today_in_the_teams_zone_is_printed(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 23:30 UTC on 30 Nov is already Tuesday morning in Taipei.
    code, out, err = run(capsys, *digest(url, "--now", "2026-11-30T23:30+00:00"))
    assert code == 0, err
    golden = (Path(__file__).parents[1] / "fixtures/digest/gaps.en.txt").read_text()
    assert out.splitlines()[0] == "Morning digest for hotline, Tue 1 Dec"
    assert out.splitlines()[1:12] == golden.splitlines()[1:12]


def test_the_chart_is_written_as_a_png_with_a_panel_per_skill(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "digest.png"
    target.parent.mkdir()
    code, out, err = run(
        capsys, *digest(url, "--date", "2026-12-01", "--now", NOW, "--chart", str(target))
    )
    assert code == 0, err
    image = Image.open(io.BytesIO(target.read_bytes()))
    assert image.format == "PNG" and image.width == 1000
    assert image.text["Description"] == "panels: cards;loans"
    assert sorted(p.name for p in target.parent.iterdir()) == ["digest.png"]
    assert out.startswith("Morning digest for hotline")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-12-09", "--chart", "{dir}/c.png"], "no chart for 2026-12-09"),
        (["--chart", "{dir}/c.jpg"], "name a file ending in .png"),
        (["--chart", "{dir}/nowhere/c.png"], "there is no directory"),
    ],
)
def test_a_chart_that_cannot_be_drawn_or_written_says_why_and_writes_nothing(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = [a.replace("{dir}", str(tmp_path)) for a in args]
    code, out, err = run(capsys, *digest(url, "--now", NOW, *argv))
    assert code == 2 and message in err and out == ""
    assert not list(tmp_path.glob("c.*"))


def test_an_unknown_team_lists_the_known_ones(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--database-url", url, "digest", "--team", "nope")
    assert code == 2 and "known teams: hotline, nightdesk" in err


def test_json_keeps_full_precision(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, *digest(url, "--date", "2026-12-01", "--now", NOW, "--format", "json")
    )
    assert code == 0
    data = json.loads(out)
    level = data["skills"][0]["service_level"]
    assert isinstance(level, float) and len(repr(level)) > 8


def test_send_without_a_transport_says_what_to_set(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    code, _out, err = run(capsys, *digest(url, "--now", NOW, "--send"))
    assert code == 2 and "SLACK_BOT_TOKEN" in err and "TELEGRAM_BOT_TOKEN" in err


def test_send_posts_once_with_the_chart_and_records_it(
    url: str, engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slack, telegram = world.Recorder("slack"), world.Recorder("telegram")
    monkeypatch.setattr(bot.scheduling, "outbound_transports", lambda *_: [slack, telegram])
    code, out, err = run(capsys, *digest(url, "--date", "2026-12-01", "--now", NOW, "--send"))
    assert code == 0 and "digest of hotline for 2026-12-01 sent" in err
    for transport in (slack, telegram):
        [(team, notice, picture)] = transport.posts
        assert team == world.TEAM and notice.channel and notice.text == out.rstrip("\n")
        assert picture.startswith(b"\x89PNG") and not Path(str(notice.attachment)).exists()
    code, _out, err = run(capsys, *digest(url, "--date", "2026-12-01", "--now", NOW, "--send"))
    assert code == 0 and "already sent; not sent again" in err
    assert len(slack.posts) == len(telegram.posts) == 1
    with UnitOfWork(engine, read_only=True) as uow:
        team = repo.team_by_name(uow.session, world.TEAM)
        assert team is not None and team.id is not None
        state = claims.run_state(uow.session, team.id, world.GAPS_DAY)
    assert state is not None and state.status == "done"
    assert {t: s.status for t, s in state.sends.items()} == {"slack": "sent", "telegram": "sent"}


def test_a_send_that_fails_is_recorded_and_sent_when_asked_again(
    url: str, engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = world.Recorder("slack", fail=1)
    monkeypatch.setattr(bot.scheduling, "outbound_transports", lambda *_: [slack])
    code, _out, err = run(capsys, *digest(url, "--date", "2026-12-01", "--now", NOW, "--send"))
    assert code == 1 and "retried" in err
    with UnitOfWork(engine, read_only=True) as uow:
        team = repo.team_by_name(uow.session, world.TEAM)
        assert team is not None and team.id is not None
        state = claims.run_state(uow.session, team.id, world.GAPS_DAY)
    assert state is not None and state.sends["slack"].status == "error"
    assert "the API said no" in (state.sends["slack"].error or "")
    assert slack.posts == []
    # Asked again, it tries again at once rather than after the scheduler's backoff.
    code, _out, err = run(capsys, *digest(url, "--date", "2026-12-01", "--now", NOW, "--send"))
    assert code == 0 and "sent" in err and len(slack.posts) == 1
