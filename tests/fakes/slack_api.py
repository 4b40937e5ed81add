"""A fake Slack on 127.0.0.1 for tests: the Web API, ``response_url``s and Socket Mode.

It records every call and answers as Slack does (``auth.test``, ``chat.postMessage``,
``chat.update``, ``conversations.open``, ``views.open``, ``views.publish``, ``users.info``,
``apps.connections.open``, and the file upload of ``files_upload_v2``:
``files.getUploadURLExternal``, the bytes POSTed to the ``upload_url`` it gives, which points
at this server, and ``files.completeUploadExternal``, which shares the file as a message;
an unknown method or token gets Slack's error, a method whose scope the app lacks gets
``missing_scope``). It keeps the messages as they are after each ``chat.update``, and the
bytes of every file uploaded. The other side is :class:`SlackSender`:
requests signed with the signing secret exactly as Slack sends them to ``/slack/events``
(slash commands as a form, events as JSON, interactivity as a ``payload`` form field).

The server runs on its own event loop in a thread, so synchronous tests can use it while
the bot under test runs in another process.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

T = TypeVar("T")

BOT_TOKEN = "xoxb-0000-fake-bot-token"
APP_TOKEN = "xapp-1-fake-app-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "U0SHIFTBOT"
TEAM_ID = "T0SHIFT0001"
APP_ID = "A0SHIFT0001"


@dataclass
class Call:
    """One request the fake received: the API method (``response_url`` for those) and its
    arguments, merged from the query, a form or a JSON body."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float


SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "conversations.open": "im:write",
    "users.info": "users:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
"""The bot scope each method needs (the methods not named need none here)."""
ALL_SCOPES = frozenset(SCOPES.values()) | {"app_mentions:read", "commands", "im:history"}


@dataclass
class File:
    """A file uploaded through ``files.getUploadURLExternal`` and its ``upload_url``."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    title: str | None = None
    data: bytes | None = None
    """What reached the ``upload_url`` (None until then)."""
    shared: bool = False


@dataclass
class Message:
    """A message as it is now in the fake workspace (after every ``chat.update``)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    updates: int = 0
    files: list[File] = field(default_factory=list)
    """Files shared with the message (``files.completeUploadExternal``)."""

    def action_ids(self) -> list[str]:
        return [
            e.get("action_id", "")
            for b in self.blocks
            if b.get("type") == "actions"
            for e in b.get("elements", [])
        ]

    def all_text(self) -> str:
        """The fallback text and every text in the blocks, as Slack would show them."""
        return "\n".join([self.text, *block_texts(self.blocks)])


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        text = b.get("text")
        if isinstance(text, dict):
            out.append(str(text.get("text", "")))
        for e in b.get("elements", []):
            if isinstance(e, dict) and e.get("type") in ("mrkdwn", "plain_text"):
                out.append(str(e.get("text", "")))
    return out


def _parse_value(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeSlack:
    """Start with ``with FakeSlack() as slack:``; point ``SLACK_API_URL`` at ``slack.api_url``."""

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        locales: dict[str, str] | None = None,
        scopes: frozenset[str] | set[str] = ALL_SCOPES,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.locales = dict(locales or {})
        self.scopes = frozenset(scopes)
        self.fail_uploads = 0
        """Uploads to an ``upload_url`` that fail (HTTP 500) before they work again."""
        self._files: dict[str, File] = {}
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], Message] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self.opened: list[dict[str, Any]] = []
        self.port = 0

    # -- life cycle ------------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fake-slack", daemon=True)
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("the fake Slack did not start")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._serve())
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._shutdown())
        loop.close()

    async def _serve(self) -> None:
        # slack_sdk sends some methods' arguments in the query string (a file's
        # ``initial_comment`` among them): take lines as long as Slack's own servers do.
        app = web.Application(handler_args={"max_line_size": 1 << 17})
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def _shutdown(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(15)

    # -- addresses -------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str | None = None) -> str:
        return f"{self.base}/respond/{key or uuid.uuid4().hex}"

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The DM channel ``conversations.open`` gives for a user."""
        return "D" + user_id[1:]

    # -- what happened ---------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[Message]:
        """Copies of the messages as they are now, oldest first (a copy keeps showing the
        buttons its reader saw, as a client does until it redraws)."""
        with self._lock:
            found = [
                replace(m, blocks=copy.deepcopy(m.blocks))
                for m in self._messages.values()
                if channel is None or m.channel == channel
            ]
        return sorted(found, key=lambda m: float(m.ts))

    def dms(self, user_id: str) -> list[Message]:
        return self.messages(self.dm_channel(user_id))

    def files(self) -> list[File]:
        """Every file uploaded (or asked to be), oldest first."""
        with self._lock:
            return list(self._files.values())

    def responses(self) -> list[Call]:
        return self.calls("response_url")

    def wait(self, found: Callable[[], T | None], timeout: float = 20.0, what: str = "") -> T:
        """Poll until ``found()`` gives something truthy; fail with what was recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            time.sleep(0.05)
        methods = [c.method for c in self.calls()]
        raise AssertionError(f"timed out waiting for {what or found}; calls: {methods}")

    # -- the Web API -----------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = {k: _parse_value(v) for k, v in request.query.items()}
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            else:
                form = await request.post()
                args.update({k: _parse_value(str(v)) for k, v in form.items()})
        return args

    def _record(self, method: str, args: dict[str, Any], token: str | None) -> None:
        with self._lock:
            self._calls.append(Call(method, args, token, time.time()))

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or args.get("token")
        self._record(method, args, token)
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != wanted:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        needed = SCOPES.get(method)
        if needed is not None and needed not in self.scopes:
            return web.json_response(
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(sorted(self.scopes)),
                }
            )
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        out: dict[str, Any] = handler(args)
        return web.json_response(out)

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://shiftbot-test.slack.com/",
            "team": "Shiftbot Test",
            "user": "shiftbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": "B0SHIFTBOT",
            "is_enterprise_install": False,
        }

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", "")).split(",")
        if not users or not users[0]:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": self.dm_channel(users[0])}}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel or channel[0] not in "CDG":
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = Message(
            channel,
            ts,
            str(args.get("text", "")),
            list(args.get("blocks") or []),
            args.get("thread_ts"),
        )
        with self._lock:
            self._messages[(channel, ts)] = message
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"type": "message", "text": message.text, "ts": ts, "bot_id": "B0SHIFTBOT"},
        }

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        with self._lock:
            message = self._messages.get(key)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.text = str(args.get("text", message.text))
            message.blocks = list(args.get("blocks") or [])
            message.updates += 1
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = {**dict(args.get("view") or {}), "id": "V" + uuid.uuid4().hex[:10].upper()}
        with self._lock:
            self.opened.append(view)
        return {"ok": True, "view": view}

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = dict(args.get("view") or {})
        return {"ok": True, "view": {**view, "id": "V" + uuid.uuid4().hex[:10].upper()}}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        if not user.startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        out: dict[str, Any] = {"id": user, "team_id": TEAM_ID, "name": user.lower()}
        if args.get("include_locale") in (True, "true", "1", 1):
            out["locale"] = self.locales.get(user, "en-US")
        return {"ok": True, "user": out}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        length = str(args.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = "F" + uuid.uuid4().hex[:10].upper()
        alt = args.get("alt_txt")
        with self._lock:
            self._files[file_id] = File(file_id, filename, int(length), alt_txt=alt)
        return {"ok": True, "upload_url": f"{self.base}/upload/v1/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        listed = args.get("files")
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        channel = args.get("channel_id")
        if channel is not None and (not str(channel) or str(channel)[0] not in "CDG"):
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            found: list[File] = []
            for item in listed:
                file = self._files.get(str(item.get("id", ""))) if isinstance(item, dict) else None
                if file is None or file.data is None:
                    return {"ok": False, "error": "file_not_found"}
                if len(file.data) != file.length:
                    return {"ok": False, "error": "file_upload_size_mismatch"}
                file.title = str(item.get("title") or file.filename)
                found.append(file)
            if channel is not None:
                for file in found:
                    file.shared = True
                ts = self._next_ts()
                self._messages[(str(channel), ts)] = Message(
                    str(channel),
                    ts,
                    str(args.get("initial_comment") or ""),
                    [],
                    args.get("thread_ts"),
                    files=found,
                )
        return {
            "ok": True,
            "files": [
                {
                    "id": f.id,
                    "name": f.filename,
                    "title": f.title,
                    "mimetype": "image/png" if f.filename.endswith(".png") else "",
                    "size": f.length,
                }
                for f in found
            ],
        }

    async def _upload(self, request: web.Request) -> web.Response:
        """An ``upload_url``: the file's bytes as the request body, answered ``OK - <size>``."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        self._record("upload", {"file_id": file_id, "size": len(data)}, None)
        with self._lock:
            file = self._files.get(file_id)
            if file is None:
                return web.Response(status=404, text="not found")
            if self.fail_uploads > 0:
                self.fail_uploads -= 1
                return web.Response(status=500, text="upload failed")
            file.data = data
        return web.Response(text=f"OK - {len(data)}")

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket={uuid.uuid4().hex}"}

    async def _respond(self, request: web.Request) -> web.Response:
        args = await self._args(request)
        args["key"] = request.match_info["key"]
        self._record("response_url", args, None)
        return web.Response(text="ok")

    # -- Socket Mode -----------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._record("socket_connect", dict(request.query), None)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        )
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                envelope = data.get("envelope_id")
                if envelope:
                    with self._lock:
                        self._acks[envelope] = data
                    self._record("socket_ack", data, None)
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws

    def connected(self) -> bool:
        return bool(self._sockets)

    def send_envelope(
        self, kind: str, payload: dict[str, Any], timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send one Socket Mode envelope and wait for the app's acknowledgement."""
        assert self._loop is not None
        envelope_id = str(uuid.uuid4())
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        ws = self.wait(lambda: self._sockets[-1] if self._sockets else None, what="a socket")
        asyncio.run_coroutine_threadsafe(ws.send_json(message), self._loop).result(timeout)
        return self.wait(lambda: self._acks.get(envelope_id), timeout, what="the envelope ack")


# --------------------------------------------------------------------------- Slack's side


@dataclass
class Sent:
    status: int
    body: str
    seconds: float


@dataclass
class SlackSender:
    """Sends requests to the bot's ``/slack/events`` as Slack does, signed with the secret."""

    url: str
    fake: FakeSlack
    secret: str = SIGNING_SECRET
    team_id: str = TEAM_ID
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def signed(
        self, body: str, *, timestamp: int | None = None, secret: str | None = None
    ) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret or self.secret).generate_signature(
            timestamp=ts, body=body
        )
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Sent:
        all_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.signed(body, timestamp=timestamp, secret=secret),
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=all_headers, method="POST"
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return Sent(resp.status, resp.read().decode(), time.perf_counter() - start)
        except urllib.error.HTTPError as err:
            return Sent(err.code, err.read().decode(), time.perf_counter() - start)

    # -- payloads --------------------------------------------------------------------------

    def trigger(self) -> str:
        return f"{next(self.counter)}.{int(time.time())}.{uuid.uuid4().hex[:20]}"

    def command_form(self, user: str, text: str, channel: str = "C0GENERAL01") -> dict[str, str]:
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "shiftbot-test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/shift",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(),
            "trigger_id": self.trigger(),
        }

    def command(self, user: str, text: str, **kw: Any) -> Sent:
        """``/shift <text>``; Slack escapes ``& < >`` in the text and writes mentions as
        ``<@U…>`` (the command is set to escape users)."""
        body = urllib.parse.urlencode(self.command_form(user, text))
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> str:
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": self.team_id,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": self.team_id,
                        "user_id": BOT_USER,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        )

    def event(self, event: dict[str, Any], event_id: str | None = None, **kw: Any) -> Sent:
        return self.post(self.event_body(event, event_id), "application/json", **kw)

    def dm(self, user: str, text: str, event_id: str | None = None, **kw: Any) -> Sent:
        ts = f"{time.time():.6f}"
        event = {
            "type": "message",
            "channel": self.fake.dm_channel(user),
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
        }
        return self.event(event, event_id, **kw)

    def mention(self, user: str, text: str, channel: str, event_id: str | None = None) -> Sent:
        ts = f"{time.time():.6f}"
        event = {
            "type": "app_mention",
            "channel": channel,
            "user": user,
            "text": f"<@{BOT_USER}> {text}",
            "ts": ts,
            "event_ts": ts,
        }
        return self.event(event, event_id)

    def home_opened(self, user: str) -> Sent:
        ts = f"{time.time():.6f}"
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.fake.dm_channel(user),
            "tab": "home",
            "event_ts": ts,
        }
        return self.event(event)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> Sent:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def click_payload(self, user: str, message: Message, action_id: str) -> dict[str, Any]:
        """A ``block_actions`` payload for a button of a message the bot posted."""
        button = next(
            e
            for b in message.blocks
            if b.get("type") == "actions"
            for e in b.get("elements", [])
            if e.get("action_id") == action_id
        )
        block_id = next(
            b.get("block_id")
            for b in message.blocks
            if b.get("type") == "actions" and button in b.get("elements", [])
        )
        return {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": False,
            },
            "trigger_id": self.trigger(),
            "team": {"id": self.team_id, "domain": "shiftbot-test"},
            "channel": {"id": message.channel, "name": "directmessage"},
            "message": {
                "type": "message",
                "ts": message.ts,
                "text": message.text,
                "blocks": message.blocks,
            },
            "response_url": self.fake.response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": button["text"],
                    "value": button.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def click(self, user: str, message: Message, action_id: str, **kw: Any) -> Sent:
        return self.interaction(self.click_payload(user, message, action_id), **kw)

    def shortcut(self, user: str, callback_id: str = "shift_request") -> Sent:
        return self.interaction(
            {
                "type": "shortcut",
                "token": "legacy-verification-token",
                "action_ts": f"{time.time():.6f}",
                "team": {"id": self.team_id, "domain": "shiftbot-test"},
                "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
                "callback_id": callback_id,
                "trigger_id": self.trigger(),
            }
        )

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Sent:
        """A ``view_submission`` of a modal the bot opened, with ``values`` picked
        (``{"date": "2026-12-04", "kind": "leave", "reason": "dentist"}``)."""
        state: dict[str, Any] = {}
        for block in view.get("blocks", []):
            block_id = block.get("block_id")
            element = block.get("element", {})
            kind = element.get("type")
            if block_id not in values:
                value: dict[str, Any] = {"type": kind}
                if kind == "static_select":
                    value["selected_option"] = element.get("initial_option")
                elif kind == "datepicker":
                    value["selected_date"] = None
                elif kind == "users_select":
                    value["selected_user"] = None
                else:
                    value["value"] = None
            elif kind == "static_select":
                option = next(
                    o for o in element.get("options", []) if o["value"] == values[block_id]
                )
                value = {"type": kind, "selected_option": option}
            elif kind == "datepicker":
                value = {"type": kind, "selected_date": values[block_id]}
            elif kind == "users_select":
                value = {"type": kind, "selected_user": values[block_id]}
            else:
                value = {"type": kind, "value": values[block_id]}
            state[block_id] = {element.get("action_id", block_id): value}
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "shiftbot-test"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self.trigger(),
            "view": {
                **view,
                "id": view.get("id") or "V" + uuid.uuid4().hex[:10].upper(),
                "team_id": self.team_id,
                "state": {"values": state},
                "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
                "app_id": APP_ID,
                "bot_id": "B0SHIFTBOT",
            },
            "response_urls": [],
        }
        return self.interaction(payload)
