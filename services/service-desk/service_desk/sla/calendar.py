"""Business time: due times in business minutes on a calendar of working hours and holidays (no I/O)."""

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

MAX_DAYS = 3 * 366  # a calendar with no working time at all must not loop forever


class CalendarError(Exception):
    """The calendar is malformed or has no working time."""


CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _clock(text: object) -> tuple[time, int]:
    """ "HH:MM" as a time and a day offset ("24:00" is the next midnight)."""
    if not isinstance(text, str) or not CLOCK.fullmatch(text):
        raise CalendarError(f"bad time of day {text!r} (HH:MM, 00:00 to 24:00)")
    if text == "24:00":
        return time(0, 0), 1
    hour, minute = text.split(":")
    return time(int(hour), int(minute)), 0


def _day(text: object) -> date:
    """An ISO date, checked without trusting exceptions."""
    match = ISO_DATE.fullmatch(text) if isinstance(text, str) else None
    year, month, day = (int(part) for part in match.groups()) if match else (0, 0, 0)
    if not (1 <= month <= 12 and 1 <= day <= monthrange(year or 1, month if 1 <= month <= 12 else 1)[1]):
        raise CalendarError(f"bad holiday {text!r} (YYYY-MM-DD)")
    return date(year, month, day)


def _weekday(key: object) -> int:
    if not str(key).isdigit() or int(str(key)) not in range(7):
        raise CalendarError(f"weekday {key!r} is not 0-6")
    return int(str(key))


def _spans(spans: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(spans, list | tuple) or not all(
        isinstance(w, list | tuple) and len(w) == 2 for w in spans
    ):
        raise CalendarError("working hours are [start, end] pairs")
    for start, end in spans:
        _clock(start), _clock(end)
    return tuple((start, end) for start, end in spans)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (0 = Monday) in a time zone, minus holidays."""

    timezone: str = "UTC"
    hours: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @classmethod
    def around_the_clock(cls) -> "BusinessCalendar":
        """Every minute counts (no calendar on the policy)."""
        return cls("UTC", {day: (("00:00", "24:00"),) for day in range(7)})

    @classmethod
    def from_config(cls, timezone: str, hours: dict, holidays: list[str]) -> "BusinessCalendar":
        """Build and check a calendar from its stored form."""
        if timezone not in _zones():
            raise CalendarError(f"unknown time zone {timezone!r}")
        parsed_hours = {_weekday(day): _spans(spans) for day, spans in hours.items()}
        calendar = cls(timezone, parsed_hours, frozenset(_day(day) for day in holidays))
        for weekday in parsed_hours:
            for start, end in calendar.windows(date(2024, 1, 1) + timedelta(days=weekday)):  # a Monday + n
                if end <= start:
                    raise CalendarError("a working window must end after it starts")
        return calendar

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working windows as UTC instants (none on a holiday)."""
        if day in self.holidays:
            return []
        zone = ZoneInfo(self.timezone)
        out = []
        for start_text, end_text in self.hours.get(day.weekday(), ()):
            start, start_shift = _clock(start_text)
            end, end_shift = _clock(end_text)
            opens = datetime.combine(day + timedelta(days=start_shift), start, zone).astimezone(UTC)
            closes = datetime.combine(day + timedelta(days=end_shift), end, zone).astimezone(UTC)
            out.append((opens, closes))
        return sorted(out)

    def _days_from(self, moment: datetime):
        day = moment.astimezone(ZoneInfo(self.timezone)).date() - timedelta(days=1)  # windows past midnight
        for offset in range(MAX_DAYS):
            yield day + timedelta(days=offset)


def add_business_minutes(calendar: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    """The instant when `minutes` of working time have passed after `start`."""
    remaining = timedelta(minutes=minutes)
    if remaining <= timedelta(0):
        return start.astimezone(UTC)
    for day in calendar._days_from(start):
        for opens, closes in calendar.windows(day):
            begin = max(opens, start)
            if closes <= begin:
                continue
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
    raise CalendarError("the calendar has no working time")


def business_minutes_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Working minutes from `start` to `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    total = timedelta(0)
    for day in calendar._days_from(start):
        for opens, closes in calendar.windows(day):
            if opens >= end:
                return total.total_seconds() / 60
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
    return total.total_seconds() / 60
