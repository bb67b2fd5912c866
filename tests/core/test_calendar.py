"""The working-day calendar and the holiday seed, checked against the official 2026 schedule.

2026 (State Council notice, as held by chinese_calendar 1.11.0):
元旦 1-01..1-03, make-up Sun 1-04; 春节 2-15 (Sun)..2-23 (Mon), make-up Sat 2-14 and Sat 2-28;
清明 4-04..4-06; 劳动节 5-01..5-05, make-up Sat 5-09; 端午 6-19..6-21; 中秋 9-25..9-27;
国庆节 10-01 (Thu)..10-07 (Wed), make-up Sun 9-20 and Sat 10-10.
"""

from __future__ import annotations

from datetime import date

import pytest

from desk_app.domain.calendar import CalendarDay, DayKind, WorkCalendar
from desk_app.domain.holiday_seed import available_years, holiday_entries

# A plausible 2027 Spring Festival, entered by hand as HQ would from the State Council notice:
# holidays Fri 2027-02-05 .. Thu 2027-02-11, make-up working days Sun 2027-01-31 and Sat 2027-02-20.
HQ_2027 = [
    *(CalendarDay(date(2027, 2, d), DayKind.HOLIDAY, "春节") for d in range(5, 12)),
    CalendarDay(date(2027, 1, 31), DayKind.WORKDAY, "春节"),
    CalendarDay(date(2027, 2, 20), DayKind.WORKDAY, "春节"),
]


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(holiday_entries([2026]), known_years=[2026])


@pytest.fixture(scope="module")
def cal_2027() -> WorkCalendar:
    return WorkCalendar([*holiday_entries([2026]), *HQ_2027], known_years=[2026, 2027])


# --- holiday_seed -------------------------------------------------------------------------------


def test_seed_2026_spring_festival_day_is_a_holiday() -> None:
    entries = holiday_entries([2026])
    assert CalendarDay(date(2026, 2, 17), DayKind.HOLIDAY, "春节") in entries
    assert all(e.day.year == 2026 for e in entries)


def test_seed_2026_make_up_working_days() -> None:
    workdays = {e.day for e in holiday_entries([2026]) if e.kind is DayKind.WORKDAY}
    assert workdays == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }


def test_seed_2026_national_day_block() -> None:
    holidays = {e.day for e in holiday_entries([2026]) if e.name == "国庆节" and e.kind is DayKind.HOLIDAY}
    assert holidays == {date(2026, 10, d) for d in range(1, 8)}


def test_seed_unknown_year_gives_nothing() -> None:
    assert holiday_entries([2027]) == []
    assert 2026 in available_years()
    assert 2004 in available_years()
    assert 2027 not in available_years()


def test_seed_several_years_sorted() -> None:
    entries = holiday_entries([2026, 2025, 2027])
    assert {e.day.year for e in entries} == {2025, 2026}
    assert [e.day for e in entries] == sorted(e.day for e in entries)


# --- WorkCalendar on 2026 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the holiday
        (date(2026, 2, 14), True),  # make-up Saturday
        (date(2026, 2, 15), False),  # Sunday, first day of 春节
        (date(2026, 2, 17), False),  # Tuesday, 春节
        (date(2026, 2, 23), False),  # Monday, last day of 春节
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # make-up Saturday
        (date(2026, 3, 7), False),  # ordinary Saturday
        (date(2026, 9, 20), True),  # make-up Sunday for 国庆
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # make-up Saturday for 国庆
        (date(2026, 10, 11), False),  # ordinary Sunday
    ],
)
def test_is_working_day_2026(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_next_working_day(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2026, 2, 15)) == date(2026, 2, 24)
    assert cal.next_working_day(date(2026, 2, 24)) == date(2026, 2, 24)
    assert cal.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)


def test_add_working_days_across_spring_festival(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 24), -1) == date(2026, 2, 14)


def test_working_days_between(cal: WorkCalendar) -> None:
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2  # 2-14 and 2-24
    assert cal.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 13)) == 0
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 10-08, 09, 10, 12


def test_holiday_name(cal: WorkCalendar) -> None:
    assert cal.holiday_name(date(2026, 2, 17)) == "春节"
    assert cal.holiday_name(date(2026, 10, 1)) == "国庆节"
    assert cal.holiday_name(date(2026, 10, 10)) is None  # a make-up working day is no holiday
    assert cal.holiday_name(date(2026, 3, 10)) is None


def test_known_and_unknown_years(cal: WorkCalendar) -> None:
    assert cal.is_known_year(2026)
    assert not cal.is_known_year(2027)
    assert cal.unknown_years(date(2026, 12, 1), date(2028, 1, 5)) == [2027, 2028]
    assert cal.unknown_years(date(2028, 1, 5), date(2026, 12, 1)) == [2027, 2028]
    assert cal.unknown_years(date(2026, 1, 1), date(2026, 12, 31)) == []


# --- a year HQ entered, and a year nobody entered -----------------------------------------------


def test_hq_entered_2027_schedule_is_used(cal_2027: WorkCalendar) -> None:
    assert cal_2027.is_known_year(2027)
    assert cal_2027.unknown_years(date(2026, 12, 1), date(2027, 3, 1)) == []
    assert not cal_2027.is_working_day(date(2027, 2, 8))  # Monday, 春节
    assert cal_2027.holiday_name(date(2027, 2, 8)) == "春节"
    assert cal_2027.is_working_day(date(2027, 1, 31))  # make-up Sunday
    assert cal_2027.is_working_day(date(2027, 2, 20))  # make-up Saturday
    assert not cal_2027.is_working_day(date(2027, 2, 13))  # ordinary Saturday
    assert cal_2027.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)


def test_unknown_year_counts_weekends_only(cal_2027: WorkCalendar) -> None:
    assert not cal_2027.is_known_year(2028)
    assert cal_2027.is_working_day(date(2028, 1, 3))  # Monday
    assert not cal_2027.is_working_day(date(2028, 1, 1))  # Saturday
    assert cal_2027.next_working_day(date(2028, 1, 1)) == date(2028, 1, 3)


def test_empty_calendar_is_weekends_only() -> None:
    cal = WorkCalendar()
    assert cal.is_working_day(date(2026, 2, 17))  # no data: a Tuesday is a working day
    assert cal.unknown_years(date(2026, 2, 17), date(2026, 2, 17)) == [2026]
