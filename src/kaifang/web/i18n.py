"""Languages: Simplified Chinese by default, English available; messages from Babel .po catalogs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi import Request

LOCALES = ("zh_CN", "en")
LANG_COOKIE = "kf_lang"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"


@lru_cache(maxsize=4)
def catalog(locale: str) -> dict[str, str]:
    """msgid → translation for one locale; msgids are English, so English needs no catalog."""
    path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        po = read_po(fh, locale=locale)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def negotiate(request: Request, default: str) -> str:
    """Pick the locale: ?lang=, then the language cookie, then the platform default.

    Accept-Language is deliberately not followed: a government portal speaks Chinese unless
    the visitor switches, whatever language the browser happens to be set to.
    """
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LOCALES:
            return str(candidate)
    return default


def gettext_for(locale: str):  # type: ignore[no-untyped-def]
    messages = catalog(locale)

    def gettext(message: str, **params: object) -> str:
        text = messages.get(message, message)
        return text.format(**params) if params else text

    return gettext


def html_lang(locale: str) -> str:
    return "zh-CN" if locale == "zh_CN" else "en"
