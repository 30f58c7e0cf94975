"""The pure business-time module and policy choice: no I/O, many cases."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service_desk.sla.calendar import (
    BusinessCalendar,
    CalendarError,
    add_business_minutes,
    business_minutes_between,
)
from service_desk.sla.policy import PolicyTerms, choose_policy, plan, resume

SH = ZoneInfo("Asia/Shanghai")
WEEKDAYS = {day: [["09:00", "12:00"], ["13:00", "18:00"]] for day in range(5)}
CAL = BusinessCalendar.from_config("Asia/Shanghai", WEEKDAYS, ["2026-12-25", "2027-01-01"])


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (sh(2026, 12, 21, 10, 0), 60, sh(2026, 12, 21, 11, 0)),  # inside a window
        (sh(2026, 12, 21, 11, 30), 60, sh(2026, 12, 21, 13, 30)),  # over lunch
        (sh(2026, 12, 21, 17, 0), 120, sh(2026, 12, 22, 10, 0)),  # over the night
        (sh(2026, 12, 21, 7, 0), 30, sh(2026, 12, 21, 9, 30)),  # before opening
        (sh(2026, 12, 21, 20, 0), 30, sh(2026, 12, 22, 9, 30)),  # after closing
        (
            sh(2026, 12, 24, 17, 0),
            120,
            sh(2026, 12, 28, 10, 0),
        ),  # Thursday -> holiday Friday -> weekend -> Monday
        (sh(2026, 12, 26, 10, 0), 60, sh(2026, 12, 28, 10, 0)),  # from a Saturday
        (sh(2026, 12, 31, 17, 30), 60, sh(2027, 1, 4, 9, 30)),  # New Year holiday then weekend
        (sh(2026, 12, 21, 9, 0), 8 * 60, sh(2026, 12, 21, 18, 0)),  # exactly one working day
        (sh(2026, 12, 21, 9, 0), 8 * 60 + 1, sh(2026, 12, 22, 9, 1)),
        (sh(2026, 12, 21, 10, 0), 0, sh(2026, 12, 21, 10, 0)),  # nothing to add
        (sh(2026, 12, 21, 12, 0), 0.5, sh(2026, 12, 21, 13, 0, 30)),  # fractions of a minute
    ],
)
def test_add_business_minutes(start, minutes, due):
    assert add_business_minutes(CAL, start, minutes) == due


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (sh(2026, 12, 21, 10, 0), sh(2026, 12, 21, 11, 0), 60),
        (sh(2026, 12, 21, 11, 0), sh(2026, 12, 21, 14, 0), 120),  # lunch does not count
        (sh(2026, 12, 24, 17, 0), sh(2026, 12, 28, 10, 0), 120),  # holiday and weekend do not count
        (sh(2026, 12, 26, 0, 0), sh(2026, 12, 27, 23, 0), 0),  # a weekend
        (sh(2026, 12, 21, 11, 0), sh(2026, 12, 21, 10, 0), 0),  # end before start
        (sh(2026, 12, 21, 0, 0), sh(2026, 12, 28, 0, 0), 4 * 8 * 60),  # a week with one holiday
    ],
)
def test_business_minutes_between(start, end, minutes):
    assert business_minutes_between(CAL, start, end) == minutes


@pytest.mark.parametrize("minutes", [1, 59, 181, 480, 1000, 5000])
def test_between_is_the_inverse_of_add(minutes):
    start = sh(2026, 12, 23, 15, 17)
    assert business_minutes_between(CAL, start, add_business_minutes(CAL, start, minutes)) == minutes


def test_daylight_saving_change_counts_real_minutes():
    berlin = BusinessCalendar.from_config(
        "Europe/Berlin", {day: [["00:00", "24:00"]] for day in range(7)}, []
    )
    start = datetime(2027, 3, 27, 23, 0, tzinfo=UTC)  # Sunday 00:00 CET; clocks jump 02:00 -> 03:00
    assert add_business_minutes(berlin, start, 24 * 60) == start + timedelta(hours=24)
    nine_to_five = BusinessCalendar.from_config(
        "Europe/Berlin", {6: [["09:00", "17:00"]], 0: [["09:00", "17:00"]]}, []
    )
    sunday_9 = datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert add_business_minutes(nine_to_five, sunday_9, 8 * 60 + 60) == datetime(
        2027, 3, 29, 8, 0, tzinfo=UTC
    )


def test_around_the_clock_is_wall_time():
    start = datetime(2026, 12, 25, 23, 0, tzinfo=UTC)
    assert add_business_minutes(BusinessCalendar.around_the_clock(), start, 90) == start + timedelta(
        minutes=90
    )


@pytest.mark.parametrize(
    ("timezone", "hours", "holidays"),
    [
        ("Mars/Olympus", WEEKDAYS, []),
        ("UTC", {7: [["09:00", "10:00"]]}, []),
        ("UTC", {0: [["10:00", "09:00"]]}, []),
        ("UTC", {0: [["9am", "5pm"]]}, []),
        ("UTC", WEEKDAYS, ["25/12/2026"]),
    ],
)
def test_bad_calendars_are_refused(timezone, hours, holidays):
    with pytest.raises(CalendarError):
        BusinessCalendar.from_config(timezone, hours, holidays)


def test_a_calendar_without_working_time_does_not_loop():
    with pytest.raises(CalendarError):
        add_business_minutes(BusinessCalendar.from_config("UTC", {}, []), datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_plan_and_resume_shift_by_the_paused_business_time():
    start = sh(2026, 12, 21, 10, 0)
    deadline = plan(CAL, start=start, minutes=240, share=0.75)
    assert (deadline.due_at, deadline.warn_at) == (sh(2026, 12, 21, 15, 0), sh(2026, 12, 21, 14, 0))
    paused_at = sh(2026, 12, 21, 11, 0)  # 180 minutes left to due, 120 to warn
    shifted = resume(
        CAL,
        paused_at=paused_at,
        now=sh(2026, 12, 23, 17, 0),
        due_at=deadline.due_at,
        warn_at=deadline.warn_at,
    )
    assert (shifted.due_at, shifted.warn_at) == (sh(2026, 12, 24, 11, 0), sh(2026, 12, 24, 10, 0))


def terms(pid, priority, tier) -> PolicyTerms:
    return PolicyTerms(pid, priority, tier, 60, None, 600, 0.8)


def test_the_most_specific_policy_wins():
    policies = [
        terms("any", None, None),
        terms("high", "high", None),
        terms("tier-a", None, "A"),
        terms("high-a", "high", "A"),
    ]
    assert choose_policy(policies, priority="high", tier="A").id == "high-a"
    assert choose_policy(policies, priority="high", tier="B").id == "high"
    assert choose_policy(policies, priority="low", tier="A").id == "tier-a"
    assert choose_policy(policies, priority="low", tier=None).id == "any"
    assert choose_policy(policies[1:2], priority="low", tier=None) is None


@pytest.mark.parametrize(
    ("hours", "holidays"),
    [
        ({"0": [["09:00", "25:00"]]}, []),
        ({"0": [["09:00"]]}, []),
        ({"x": [["09:00", "10:00"]]}, []),
        ({"4": [["17:00", "09:00"]]}, []),  # checked on every weekday, not only Mondays
        ({}, ["2026-02-30"]),
        ({}, ["2026-13-01"]),
        ({}, [20261225]),
    ],
)
def test_malformed_hours_and_holidays_are_refused(hours, holidays):
    with pytest.raises(CalendarError):
        BusinessCalendar.from_config("UTC", hours, holidays)
