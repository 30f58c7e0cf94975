"""Which language the dashboard opens in: zh-CN or en, from the browser's Accept-Language."""

import re

SUPPORTED = ("en", "zh-CN")
_Q = re.compile(r"\s*q=([01](?:\.\d{0,3})?)\s*")


def page_language(accept_language: str) -> str:
    """The supported language the header prefers most (by q-value), English when none matches."""
    best, best_q = "en", -1.0
    for part in accept_language.split(","):
        tag, _, params = (s.strip() for s in part.partition(";"))
        match = _Q.fullmatch(params)
        q = float(match.group(1)) if match else (1.0 if not params else 0.0)
        tag = tag.lower()
        language = "zh-CN" if tag.startswith("zh") else "en" if tag.startswith("en") else None
        if language and q > best_q:
            best, best_q = language, q
    return best
