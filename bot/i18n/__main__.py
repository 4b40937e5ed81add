"""``python -m bot.i18n compile`` writes every ``.mo`` from its ``.po``; ``check`` says
which are stale (both need Babel, a development dependency)."""

from __future__ import annotations

import gettext
import io
import sys
from pathlib import Path

from bot.i18n import LOCALE_DIR


def _compiled(po: Path) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _messages(data: bytes) -> dict[object, str]:
    """The messages of a compiled catalog, without its header (which carries dates)."""
    catalog: dict[object, str] = gettext.GNUTranslations(io.BytesIO(data))._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in catalog.items() if k not in ("", ("", 0))}


def stale() -> list[Path]:
    """The ``.mo`` files that do not hold what their ``.po`` says (missing ones included)."""
    out = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or _messages(mo.read_bytes()) != _messages(_compiled(po)):
            out.append(mo)
    return out


def compile_all() -> list[Path]:
    written = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        data = _compiled(po)
        if not mo.exists() or _messages(mo.read_bytes()) != _messages(data):
            mo.write_bytes(data)
            written.append(mo)
    return written


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "compile"
    if command == "compile":
        for mo in compile_all():
            print(f"wrote {mo.relative_to(LOCALE_DIR.parent)}")
        return 0
    if command == "check":
        bad = stale()
        for mo in bad:
            print(f"stale: {mo.relative_to(LOCALE_DIR.parent)} (run python -m bot.i18n compile)")
        return 1 if bad else 0
    print("usage: python -m bot.i18n [compile|check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
