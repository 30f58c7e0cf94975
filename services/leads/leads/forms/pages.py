"""The pages a visitor's browser gets from a form post when the form names no page of its own site: a
thank-you, or the fields to correct (in the visitor's language), never raw JSON."""

from html import escape

from fastapi.responses import HTMLResponse

from leads.forms.domain import FieldError
from leads.forms.messages import message

_PAGE = ('<!doctype html><html lang="{lang}"><meta charset="utf-8">'
         '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
         '<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 36em; margin: 2em auto;'
         ' padding: 0 1em">{body}</body></html>')


def thank_you(lang: str) -> HTMLResponse:
    """The page of a stored post (200)."""
    text = escape(message("thanks", lang))
    return _page(200, lang, text, f"<p>{text}</p>")


def invalid(errors: list[FieldError], lang: str) -> HTMLResponse:
    """The page of a post with invalid fields (422): each field and why, and the way back to the form."""
    title = escape(message("title", lang))
    items = "".join(f"<li><strong>{escape(e.field)}</strong>: {escape(e.reason)}</li>" for e in errors)
    back = f'<p><a href="javascript:history.back()">{escape(message("back", lang))}</a></p>'
    return _page(422, lang, title, f"<h1>{title}</h1><ul>{items}</ul>{back}")


def _page(status: int, lang: str, title: str, body: str) -> HTMLResponse:
    html = _PAGE.format(lang=lang, title=title, body=body)
    return HTMLResponse(html, status_code=status, headers={"Content-Language": lang})
