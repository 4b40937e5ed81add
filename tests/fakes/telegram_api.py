"""A fake Telegram Bot API on 127.0.0.1, for tests and benchmarks.

It records every call and answers the way Telegram does: the same result objects, the same
``{"ok": false, "error_code": 400, "description": "Bad Request: ..."}`` errors (HTML that
does not parse, a message that is too long, an edit that changes nothing, a message to edit
that does not exist), long polling for ``getUpdates`` with ``offset`` confirming what was
read. It keeps every chat's messages as a person would see them, buttons included, so a test
can click one (:meth:`FakeTelegram.click`) and see edits land. ``sendPhoto`` takes the
picture as a multipart upload, as python-telegram-bot sends it, keeps its bytes
(:attr:`Sent.photo`) and refuses what Telegram refuses: a caption over 1,024 characters, a
file that is not an image.

It runs an aiohttp server on its own thread and loop, so synchronous tests can use it::

    with FakeTelegram() as tg:
        env = {"TELEGRAM_API_URL": tg.base_url, "TELEGRAM_BOT_TOKEN": tg.token}
        ...
        tg.push(tg.message(1001, "/mine"))            # served by getUpdates
        reply = tg.wait_message(1001)
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")

TOKEN = "123456789:AAFakeTokenForTestsOnly_0123456789x"
BOT_ID = 123456789
BOT_USERNAME = "shiftbot_test_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
"""How a PNG and a JPEG begin: the photos Telegram can process."""
MAX_CALLBACK_DATA = 64

_STRINGS = {
    "text",
    "caption",
    "parse_mode",
    "callback_query_id",
    "url",
    "secret_token",
    "language_code",
    "ip_address",
    "inline_message_id",
}
"""Parameters python-telegram-bot sends as raw strings; the rest are JSON-encoded."""

_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def parse_html(text: str) -> str:
    """The text Telegram shows for ``text`` in HTML parse mode; ApiError as Telegram refuses.

    Telegram's rules: only its own tags, closed in order; every ``<``, ``>`` and ``&`` that
    is not part of a tag or entity must be escaped.
    """
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        c = text[pos]
        if c == "<":
            m = _TAG.match(text, pos)
            if m is None:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: unsupported start tag at byte offset "
                    f"{len(text[:pos].encode())}",
                )
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name not in _TAGS:
                raise ApiError(
                    400, f'Bad Request: can\'t parse entities: unsupported start tag "{name}"'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(
                        400,
                        f'Bad Request: can\'t parse entities: unmatched end tag "{name}"',
                    )
                stack.pop()
            else:
                stack.append(name)
            pos = m.end()
        elif c == "&":
            m = _ENTITY.match(text, pos)
            if m is None:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: character '&' is reserved and must be "
                    "escaped",
                )
            ref = m.group(1)
            if ref in _NAMED:
                out.append(_NAMED[ref])
            elif ref.startswith("#x"):
                out.append(chr(int(ref[2:], 16)))
            else:
                out.append(chr(int(ref[1:])))
            pos = m.end()
        elif c == ">":
            raise ApiError(
                400,
                "Bad Request: can't parse entities: character '>' is reserved and must be escaped",
            )
        else:
            out.append(c)
            pos += 1
    if stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: can't find end tag corresponding to "
            f'"{stack[-1]}"',
        )
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One Bot API call as the fake received it."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Sent:
    """A message the bot posted, as its chat shows it now."""

    chat_id: int
    message_id: int
    text: str
    html: str
    reply_markup: dict[str, Any] | None
    date: int
    edits: int = 0
    photo: bytes | None = None
    """A photo's bytes as uploaded (its caption is ``text``)."""

    @property
    def buttons(self) -> list[str]:
        """The callback data of every button it shows (``approve:12``)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b.get("callback_data", "") for row in rows for b in row]

    @property
    def labels(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b.get("text", "") for row in rows for b in row]


class FakeTelegram:
    """The Bot API of one bot, on a free loopback port."""

    def __init__(
        self, token: str = TOKEN, username: str = BOT_USERNAME, bot_id: int = BOT_ID
    ) -> None:
        self.token = token
        self.username = username
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.chats: dict[int, list[Sent]] = {}
        self.forbidden: set[int] = set()
        """Chats the bot may not write to (people who never started it)."""
        self.fail_photos = 0
        """``sendPhoto`` calls that fail (Telegram's 500) before they work again."""
        self.uploads: list[tuple[str, str, bytes]] = []
        """Every file received: (method, field, bytes)."""
        self.webhook: dict[str, Any] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.port = 0
        self._updates: list[dict[str, Any]] = []
        self._next_update = 700_000
        self._next_message = 1
        self._next_callback = 1
        self._lock = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._closing = False

    # -- running ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_URL`` should be (python-telegram-bot appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(ready))
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]
        return self

    async def _serve(self, ready: threading.Event) -> None:
        self._new_update = asyncio.Event()
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/_fake/calls", self._dump)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        ready.set()
        await self._stopping.wait()
        self._closing = True
        self._new_update.set()  # long polls end now
        await runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests look at -------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method.lower() == method.lower()]

    def messages(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return list(self.chats.get(chat_id, []))

    def wait(self, found: Callable[[], T | None], timeout: float = 20.0) -> T:
        """Wait until ``found()`` gives something truthy, and return it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = found()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"nothing came in {timeout} s; calls: {self._summary()}")
                self._lock.wait(min(left, 0.2))

    def wait_message(
        self, chat_id: int, contains: str = "", count: int = 1, timeout: float = 20.0
    ) -> Sent:
        """The ``count``-th message in the chat holding ``contains`` (waiting for it)."""

        def found() -> Sent | None:
            hits = [m for m in self.chats.get(chat_id, []) if contains in m.text]
            return hits[count - 1] if len(hits) >= count else None

        return self.wait(found, timeout)

    def _summary(self) -> str:
        return ", ".join(f"{c.method}({c.params.get('chat_id', '')})" for c in self.calls[-30:])

    # -- updates -----------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; returns its ``update_id``."""
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return int(update["update_id"])

    def update_id(self) -> int:
        with self._lock:
            self._next_update += 1
            return self._next_update

    def user(self, user_id: int, language_code: str = "en") -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "language_code": language_code,
        }

    def message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        language_code: str = "en",
        entities: list[dict[str, Any]] | None = None,
        reply_to: Sent | None = None,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """An update carrying a text message from ``user_id`` (a private chat unless
        ``chat_id`` names a group). A leading ``/command`` gets its entity, as Telegram adds."""
        chat = chat_id if chat_id is not None else user_id
        found = list(entities or [])
        if text.startswith("/"):
            word = text.split()[0]
            found.insert(0, {"type": "bot_command", "offset": 0, "length": utf16_len(word)})
        with self._lock:
            self._next_message += 1
            message_id = self._next_message
        msg: dict[str, Any] = {
            "message_id": message_id,
            "from": self.user(user_id, language_code),
            "chat": self._chat(chat, user_id),
            "date": int(time.time()),
            "text": text,
        }
        if found:
            msg["entities"] = found
        if reply_to is not None:
            msg["reply_to_message"] = self._message_json(reply_to)
        return {"update_id": update_id or self.update_id(), "message": msg}

    def click(
        self, user_id: int, sent: Sent, data: str, *, language_code: str = "en"
    ) -> dict[str, Any]:
        """An update for a click on one of ``sent``'s buttons."""
        assert data in sent.buttons, f"{data!r} is not a button of {sent.buttons}"
        with self._lock:
            self._next_callback += 1
            query_id = f"{4_000_000_000 + self._next_callback}"
            message = self._message_json(sent)
        return {
            "update_id": self.update_id(),
            "callback_query": {
                "id": query_id,
                "from": self.user(user_id, language_code),
                "message": message,
                "chat_instance": f"ci{sent.chat_id}",
                "data": data,
            },
        }

    async def _dump(self, request: web.Request) -> web.Response:
        """The calls so far, for a client in another process (``at``: ``time.monotonic``,
        which is the same clock for every process on the machine)."""
        method = request.query.get("method", "")
        with self._lock:
            rows = [
                {"method": c.method, "chat_id": c.params.get("chat_id"), "at": c.at}
                for c in self.calls
                if not method or c.method.lower() == method.lower()
            ]
        return web.json_response(rows)

    # -- the API -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        with self._lock:
            self.calls.append(Call(method, params))
            self._lock.notify_all()
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        try:
            result = await handler(params)
        except ApiError as exc:
            return web.json_response(
                {"ok": False, "error_code": exc.code, "description": exc.description},
                status=exc.code,
            )
        with self._lock:
            self._lock.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        fields: list[tuple[str, str | None, bytes]] = []
        if request.content_type.startswith("multipart/"):
            head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
            body = BytesParser(policy=email.policy.HTTP).parsebytes(head + await request.read())
            for part in body.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if isinstance(name, str):
                    data = part.get_payload(decode=True)
                    raw = data if isinstance(data, bytes) else b""
                    fields.append((name, part.get_filename(), raw))
        else:
            form = await request.post()
            fields = [(k, None, str(v).encode()) for k, v in form.items()]
        out: dict[str, Any] = {}
        for key, filename, data in fields:
            if filename is not None:
                with self._lock:
                    self.uploads.append((request.match_info["method"], key, data))
                out[key] = f"<file {filename}>"
                out.setdefault("_files", {})[key] = data
                continue
            value = data.decode()
            if key in _STRINGS:
                out[key] = value
            else:
                try:
                    out[key] = json.loads(value)
                except ValueError:
                    out[key] = value
        return out

    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Shiftbot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _chat(self, chat_id: int, user_id: int | None = None) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Team {chat_id}"}

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": sent.message_id,
            "from": self._me(),
            "chat": self._chat(sent.chat_id),
            "date": sent.date,
            "text": sent.text,
        }
        if sent.edits:
            msg["edit_date"] = int(time.time())
        if sent.reply_markup:
            msg["reply_markup"] = sent.reply_markup
        return msg

    def _shown(self, params: dict[str, Any], key: str = "text") -> tuple[str, str]:
        raw = params.get(key)
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        mode = str(params.get("parse_mode") or "").lower()
        text = parse_html(raw) if mode == "html" else raw
        if utf16_len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return raw, text

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup if markup.get("inline_keyboard") else None

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.forbidden:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    def _find(self, params: dict[str, Any]) -> Sent:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        with self._lock:
            for sent in self.chats.get(chat_id if isinstance(chat_id, int) else 0, []):
                if sent.message_id == message_id:
                    return sent
        raise ApiError(400, "Bad Request: message to edit not found")

    async def _api_getme(self, params: dict[str, Any]) -> Any:
        return self._me()

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        assert self._new_update is not None
        while True:
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = self._updates[:limit]
            left = deadline - time.monotonic()
            if pending or left <= 0 or self._closing:
                return pending
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), left)

    async def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url", "")
        if url and not str(url).startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook = dict(params)
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        code = str(params.get("language_code") or "")
        if code and not re.fullmatch(r"[a-z]{2}", code):
            raise ApiError(400, "Bad Request: invalid language code specified")
        self.commands[code] = commands
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(str(params.get("language_code") or ""), [])

    def _post(self, chat_id: int, raw: str, text: str, markup: dict[str, Any] | None) -> Sent:
        with self._lock:
            self._next_message += 1
            sent = Sent(chat_id, self._next_message, text, raw, markup, int(time.time()))
            self.chats.setdefault(chat_id, []).append(sent)
            return sent

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_id(params)
        raw, text = self._shown(params)
        sent = self._post(chat_id, raw, text, self._markup(params))
        return self._message_json(sent)

    async def _api_sendphoto(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_id(params)
        if "photo" not in params:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        picture = params.get("_files", {}).get("photo")
        if picture is None:
            raise ApiError(400, "Bad Request: wrong remote file identifier specified")
        if not picture.startswith(_IMAGES):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        raw, text = self._shown(params, "caption") if params.get("caption") else ("", "")
        if utf16_len(text) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        with self._lock:
            if self.fail_photos > 0:
                self.fail_photos -= 1
                raise ApiError(500, "Internal Server Error: upload failed")
        sent = self._post(chat_id, raw, text, self._markup(params))
        sent.photo = picture
        msg = self._message_json(sent)
        msg.pop("text", None)
        msg["photo"] = [
            {
                "file_id": f"photo{sent.message_id}",
                "file_unique_id": "u",
                "width": 800,
                "height": 600,
            }
        ]
        if text:
            msg["caption"] = text
        return msg

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        sent = self._find(params)
        raw, text = self._shown(params)
        markup = self._markup(params)
        with self._lock:
            if sent.text == text and sent.reply_markup == markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            sent.text, sent.html, sent.reply_markup = text, raw, markup
            sent.edits += 1
            return self._message_json(sent)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        sent = self._find(params)
        markup = self._markup(params)
        with self._lock:
            if sent.reply_markup == markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            sent.reply_markup = markup
            sent.edits += 1
            return self._message_json(sent)

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _api_deletemessage(self, params: dict[str, Any]) -> Any:
        sent = self._find(params)
        with self._lock:
            self.chats[sent.chat_id].remove(sent)
        return True


def main() -> None:
    """``python -m tests.fakes.telegram_api``: serve until SIGTERM; the first line printed
    says the port."""
    import signal

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    fake = FakeTelegram().start()
    print(f"fake Telegram Bot API on port {fake.port}", flush=True)
    done.wait()
    fake.stop()


if __name__ == "__main__":
    main()
