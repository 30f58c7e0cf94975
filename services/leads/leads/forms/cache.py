"""A short-lived in-process cache of form configurations, so a post costs no form read."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from leads.forms.models import WebForm


@dataclass(frozen=True)
class FormView:
    """What the intake needs of a form, detached from any session."""

    id: str
    name: str
    allowed_origins: tuple[str, ...]
    field_mapping: dict
    required_fields: tuple[str, ...]
    honeypot_field: str | None
    min_fill_seconds: int
    thank_you_url: str | None
    error_url: str | None
    source: str
    campaign: str | None
    default_team_id: str | None
    rate_limit: str | None

    @classmethod
    def of(cls, form: WebForm) -> "FormView":
        """The view of a form row."""
        return cls(
            form.id,
            form.name,
            tuple(form.allowed_origins or ()),
            dict(form.field_mapping or {}),
            tuple(form.required_fields or ()),
            form.honeypot_field,
            form.min_fill_seconds,
            form.thank_you_url,
            form.error_url,
            form.source,
            form.campaign,
            form.default_team_id,
            form.rate_limit,
        )


class FormCache:
    """Active forms by id for `ttl_s` seconds; this process invalidates on its own changes, other
    replicas see a change within the TTL."""

    def __init__(self, ttl_s: float = 2.0):
        self.ttl_s = ttl_s
        self._items: dict[str, tuple[float, FormView | None]] = {}
        self._loading: dict[str, asyncio.Task] = {}

    async def get(self, form_id: str, load: Callable[[], Awaitable[FormView | None]]) -> FormView | None:
        """The active form, or None when there is no such active form. Posts arriving while the form
        is being read wait for that one read (under a burst, a read per post would drain the pool)."""
        hit = self._items.get(form_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        task = self._loading.get(form_id)
        if task is None:  # one read for everyone, not tied to the first caller (who may go away)
            task = self._loading[form_id] = asyncio.ensure_future(self._load(form_id, load))
        return await asyncio.shield(task)

    async def _load(self, form_id: str, load: Callable[[], Awaitable[FormView | None]]) -> FormView | None:
        me = asyncio.current_task()
        try:
            view = await load()
        finally:
            current = self._loading.get(form_id) is me  # not invalidated while it was read
            if current:
                del self._loading[form_id]
        if current:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[form_id] = (time.monotonic() + self.ttl_s, view)
        return view

    def invalidate(self, form_id: str) -> None:
        """Forget a form (it changed), and any read of it in flight."""
        self._items.pop(form_id, None)
        self._loading.pop(form_id, None)
