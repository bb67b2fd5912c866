"""The deadline engine. Expected dates were worked out by hand on the official 2026 schedule
(see test_calendar.py) and on the hypothetical 2027 schedule entered there "as HQ would".

Weekdays used: 2026-02-06 Fri, 2026-03-02 Mon, 2026-09-28 Mon, 2026-10-01 Thu, 2027-02-05 Fri,
2028-01-01 Sat.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from desk_app.domain.calendar import CalendarDay, DayKind, WorkCalendar
from desk_app.domain.deadlines import (
    DeadlineInput,
    DeadlineState,
    PauseInterval,
    compute_deadline,
    days_left,
    deadline_state,
)
from desk_app.domain.enums import Complexity, Regime
from desk_app.domain.holiday_seed import holiday_entries
from desk_app.errors import ValidationError

BANK = Regime.BANKING_INSURANCE
MARKET = Regime.MARKET_REGULATION
SHANGHAI = timezone(timedelta(hours=8))

HQ_2027 = [
    *(CalendarDay(date(2027, 2, d), DayKind.HOLIDAY, "春节") for d in range(5, 12)),
    CalendarDay(date(2027, 1, 31), DayKind.WORKDAY, "春节"),
    CalendarDay(date(2027, 2, 20), DayKind.WORKDAY, "春节"),
]


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar([*holiday_entries([2026]), *HQ_2027], known_years=[2026, 2027])


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    """A receipt time, given in Beijing time and stored as UTC."""
    return datetime(y, m, d, hour, tzinfo=SHANGHAI).astimezone(UTC)


# --- banking / insurance: calendar days, last day rolls past holidays ---------------------------


def test_banking_15_days_roll_past_spring_festival(cal: WorkCalendar) -> None:
    # 2-06 + 15 = Sat 2-21, inside 春节 (2-15..2-23) -> first working day Tue 2-24.
    result = compute_deadline(DeadlineInput(BANK, at(2026, 2, 6)), cal)
    assert result.due_on == date(2026, 2, 24)
    assert (result.limit, result.unit) == (15, "calendar")
    assert result.acceptance_due_on is None
    assert result.paused_days == 0
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 30), date(2026, 2, 14)),  # last day = make-up Saturday: no roll
        (date(2026, 2, 13), date(2026, 2, 28)),  # last day = make-up Saturday: no roll
        (date(2026, 2, 20), date(2026, 3, 9)),  # last day = ordinary Saturday 3-07 -> Monday 3-09
    ],
)
def test_banking_make_up_days_are_working(cal: WorkCalendar, received: date, due: date) -> None:
    inp = DeadlineInput(BANK, at(received.year, received.month, received.day))
    assert compute_deadline(inp, cal).due_on == due


def test_banking_national_day(cal: WorkCalendar) -> None:
    # 9-19 + 15 = Sun 10-04 inside 国庆 (10-01..10-07) -> Thu 10-08.
    assert compute_deadline(DeadlineInput(BANK, at(2026, 9, 19)), cal).due_on == date(2026, 10, 8)
    # 9-25 + 15 = Sat 10-10, a make-up working day.
    assert compute_deadline(DeadlineInput(BANK, at(2026, 9, 25)), cal).due_on == date(2026, 10, 10)


def test_receipt_day_is_the_local_date() -> None:
    # 2026-02-05 17:30 UTC is 2026-02-06 01:30 in Shanghai: counting starts on 2-07.
    received = datetime(2026, 2, 5, 17, 30, tzinfo=UTC)
    result = compute_deadline(DeadlineInput(BANK, received), WorkCalendar(holiday_entries([2026]), [2026]))
    assert result.due_on == date(2026, 2, 24)
    assert result.first_contact_due == datetime(2026, 2, 6, 17, 30, tzinfo=UTC)


def test_first_contact_hours(cal: WorkCalendar) -> None:
    received = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    result = compute_deadline(DeadlineInput(BANK, received, first_contact_hours=4), cal)
    assert result.first_contact_due == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    assert result.first_contact_due.utcoffset() == timedelta(0)


def test_complex_is_30_days(cal: WorkCalendar) -> None:
    result = compute_deadline(DeadlineInput(BANK, at(2026, 3, 2), complexity=Complexity.COMPLEX), cal)
    assert (result.due_on, result.limit) == (date(2026, 4, 1), 30)


def test_special_with_approval_is_60_days(cal: WorkCalendar) -> None:
    # 3-02 + 60 = Fri 5-01, 劳动节 (5-01..5-05) -> Wed 5-06.
    inp = DeadlineInput(BANK, at(2026, 3, 2), complexity=Complexity.SPECIAL, special_extension_approved=True)
    result = compute_deadline(inp, cal)
    assert (result.due_on, result.limit) == (date(2026, 5, 6), 60)


def test_special_without_approval_is_refused(cal: WorkCalendar) -> None:
    inp = DeadlineInput(BANK, at(2026, 3, 2), complexity=Complexity.SPECIAL)
    with pytest.raises(ValidationError, match="approval") as info:
        compute_deadline(inp, cal)
    assert info.value.field == "special_extension_approved"


def test_banking_closed_pause(cal: WorkCalendar) -> None:
    # Without pause: 3-02 + 15 = Tue 3-17. Paused 3-05..3-09 (5 days) -> Sun 3-22 -> Mon 3-23.
    inp = DeadlineInput(BANK, at(2026, 3, 2), pauses=(PauseInterval(date(2026, 3, 5), date(2026, 3, 9)),))
    result = compute_deadline(inp, cal)
    assert (result.due_on, result.paused_days) == (date(2026, 3, 23), 5)
    assert result.warnings == ()


def test_banking_pause_from_receipt_day_counts_only_later_days(cal: WorkCalendar) -> None:
    # Paused 3-02..3-04: only 3-03 and 3-04 are after the receipt day -> 3-17 + 2 = Thu 3-19.
    inp = DeadlineInput(BANK, at(2026, 3, 2), pauses=(PauseInterval(date(2026, 3, 2), date(2026, 3, 4)),))
    result = compute_deadline(inp, cal)
    assert (result.due_on, result.paused_days) == (date(2026, 3, 19), 2)


def test_banking_open_pause_lasts_until_today(cal: WorkCalendar) -> None:
    # Paused since 3-10, today 3-12: 3 days -> 3-17 + 3 = Fri 3-20, and a warning that it will move.
    inp = DeadlineInput(
        BANK, at(2026, 3, 2), pauses=(PauseInterval(date(2026, 3, 10), None),), today=date(2026, 3, 12)
    )
    result = compute_deadline(inp, cal)
    assert (result.due_on, result.paused_days) == (date(2026, 3, 20), 3)
    assert len(result.warnings) == 1
    assert "paused" in result.warnings[0]  # conftest sets English messages


def test_pause_after_due_date_does_not_move_it(cal: WorkCalendar) -> None:
    inp = DeadlineInput(BANK, at(2026, 3, 2), pauses=(PauseInterval(date(2026, 3, 20), date(2026, 3, 25)),))
    result = compute_deadline(inp, cal)
    assert (result.due_on, result.paused_days) == (date(2026, 3, 17), 0)


def test_pause_ending_before_it_starts_is_refused(cal: WorkCalendar) -> None:
    inp = DeadlineInput(BANK, at(2026, 3, 2), pauses=(PauseInterval(date(2026, 3, 9), date(2026, 3, 5)),))
    with pytest.raises(ValidationError):
        compute_deadline(inp, cal)


def test_naive_receipt_time_is_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValidationError):
        compute_deadline(DeadlineInput(BANK, datetime(2026, 3, 2, 10)), cal)


# --- market regulation: working days -----------------------------------------------------------


def test_market_across_spring_festival(cal: WorkCalendar) -> None:
    # From Wed 2-11: 2-12, 2-13, Sat 2-14 (make-up), [2-15..2-23 off], 2-24, 2-25, 2-26, 2-27 = 7.
    # Then Sat 2-28 (make-up) = 8, March 2..31 = 22 working days -> 3-31 = 30, 4-01..4-03 = 33,
    # [4-04..4-06 清明], 4-07..4-10 = 37, 4-13..4-17 = 42, 4-20, 4-21, 4-22 = 45.
    result = compute_deadline(DeadlineInput(MARKET, at(2026, 2, 11), complexity=Complexity.SPECIAL), cal)
    assert result.acceptance_due_on == date(2026, 2, 27)
    assert result.due_on == date(2026, 4, 22)
    assert (result.limit, result.unit) == (45, "working")
    assert result.warnings == ()


def test_market_across_national_day(cal: WorkCalendar) -> None:
    # From Mon 9-28: 9-29, 9-30, [10-01..10-07], 10-08, 10-09, Sat 10-10 (make-up), 10-12, 10-13 = 7.
    # 10-14..10-16 = 10, then four full weeks to 11-27 = 40 ... 11-30..12-04 = 45.
    result = compute_deadline(DeadlineInput(MARKET, at(2026, 9, 28)), cal)
    assert result.acceptance_due_on == date(2026, 10, 13)
    assert result.due_on == date(2026, 12, 4)


def test_market_make_up_sunday_counts(cal: WorkCalendar) -> None:
    # From Fri 9-18: Sun 9-20 (make-up) = 1, 9-21..9-24 = 5, [9-25..9-27 中秋], 9-28, 9-29 = 7.
    result = compute_deadline(DeadlineInput(MARKET, at(2026, 9, 18)), cal)
    assert result.acceptance_due_on == date(2026, 9, 29)


def test_market_closed_pause(cal: WorkCalendar) -> None:
    # Without pause, from Mon 3-02: acceptance 3-11, 45th working day Fri 5-08 (劳动节 5-01..5-05).
    plain = compute_deadline(DeadlineInput(MARKET, at(2026, 3, 2)), cal)
    assert (plain.acceptance_due_on, plain.due_on) == (date(2026, 3, 11), date(2026, 5, 8))
    # Paused Sat 3-07..Sun 3-15: 5 working days -> Sat 5-09 (make-up), 5-11, 5-12, 5-13, 5-14.
    inp = DeadlineInput(MARKET, at(2026, 3, 2), pauses=(PauseInterval(date(2026, 3, 7), date(2026, 3, 15)),))
    result = compute_deadline(inp, cal)
    assert (result.due_on, result.paused_days) == (date(2026, 5, 14), 5)
    assert result.acceptance_due_on == date(2026, 3, 11)


def test_market_open_pause(cal: WorkCalendar) -> None:
    # Paused since Tue 4-28, today Thu 4-30: 3 working days -> 5-08 + 3 = 5-09 (make-up), 5-11, 5-12.
    inp = DeadlineInput(
        MARKET, at(2026, 3, 2), pauses=(PauseInterval(date(2026, 4, 28), None),), today=date(2026, 4, 30)
    )
    result = compute_deadline(inp, cal)
    assert (result.due_on, result.paused_days) == (date(2026, 5, 12), 3)
    assert len(result.warnings) == 1


# --- 2027 entered by HQ, 2028 with no data ------------------------------------------------------


def test_2027_schedule_entered_by_hq(cal: WorkCalendar) -> None:
    # Banking: 2027-01-22 + 15 = Sat 2-06, inside 春节 (2-05..2-11) -> Fri 2-12.
    banking = compute_deadline(DeadlineInput(BANK, at(2027, 1, 22)), cal)
    assert banking.due_on == date(2027, 2, 12)
    assert banking.warnings == ()
    # Market from Fri 1-29: Sun 1-31 (make-up), 2-01..2-04, [2-05..2-11], 2-12, 2-15 = 7.
    market = compute_deadline(DeadlineInput(MARKET, at(2027, 1, 29)), cal)
    assert market.acceptance_due_on == date(2027, 2, 15)
    assert market.warnings == ()
    # From Thu 2-04: 2-12, 2-15..2-19, Sat 2-20 (make-up) = 7.
    assert compute_deadline(DeadlineInput(MARKET, at(2027, 2, 4)), cal).acceptance_due_on == date(2027, 2, 20)


def test_year_without_data_counts_weekends_and_warns(cal: WorkCalendar) -> None:
    # From Mon 2028-01-24, weekends only (no 春节 data): 1-25..1-28, 1-31, 2-01, 2-02 = 7.
    result = compute_deadline(DeadlineInput(MARKET, at(2028, 1, 24)), cal)
    assert result.acceptance_due_on == date(2028, 2, 2)
    assert len(result.warnings) == 1
    assert "2028" in result.warnings[0]
    assert "weekends only" in result.warnings[0]


def test_deadline_crossing_into_a_year_without_data(cal: WorkCalendar) -> None:
    # 2027-12-20 + 15 = Tue 2028-01-04; 2027 is known, 2028 is not.
    result = compute_deadline(DeadlineInput(BANK, at(2027, 12, 20)), cal)
    assert result.due_on == date(2028, 1, 4)
    assert len(result.warnings) == 1
    assert "2028" in result.warnings[0]
    assert "2027" not in result.warnings[0]


def test_one_warning_per_unknown_year() -> None:
    result = compute_deadline(DeadlineInput(MARKET, at(2027, 12, 1)), WorkCalendar())
    assert [("2027" in w, "2028" in w) for w in result.warnings] == [(True, False), (False, True)]


# --- days left and state ------------------------------------------------------------------------


def test_days_left() -> None:
    assert days_left(date(2026, 2, 24), date(2026, 2, 20)) == 4
    assert days_left(date(2026, 2, 24), date(2026, 2, 24)) == 0
    assert days_left(date(2026, 2, 24), date(2026, 2, 26)) == -2


@pytest.mark.parametrize(
    ("due", "today", "stopped", "state"),
    [
        (date(2026, 2, 24), date(2026, 2, 20), False, DeadlineState.OK),
        (date(2026, 2, 24), date(2026, 2, 22), False, DeadlineState.DUE_SOON),
        (date(2026, 2, 24), date(2026, 2, 24), False, DeadlineState.DUE_SOON),
        (date(2026, 2, 24), date(2026, 2, 25), False, DeadlineState.OVERDUE),
        (date(2026, 2, 24), date(2026, 2, 25), True, DeadlineState.STOPPED),
        (None, date(2026, 2, 25), False, DeadlineState.OK),
    ],
)
def test_deadline_state(due: date | None, today: date, stopped: bool, state: DeadlineState) -> None:
    assert deadline_state(due, today, stopped=stopped) is state


def test_deadline_state_soon_days() -> None:
    assert deadline_state(date(2026, 3, 10), date(2026, 3, 5), soon_days=5) is DeadlineState.DUE_SOON
