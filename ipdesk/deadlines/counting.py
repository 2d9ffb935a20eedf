"""Counting periods: calendar months that clamp to the month's end, then calendar days or working days."""
import calendar
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months; a day past the end of the shorter month clamps to its last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_business_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days, Monday to Friday (public holidays are not known here)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


# How a jurisdiction counts a period of months from its trigger (days are counted from the trigger in each):
# "plain": the same day of the month, or its last day where it has none (China, the EU, Germany's BGB §188);
# "inclusive": the period begins with the trigger's day, so it ends the day before (the UK, Hong Kong);
# "from_next_day": the trigger's day is left out and the period ends the day before the day of the month that
# corresponds to the next day (Japan's Civil Code art. 143: 30 November + 2 months ends on 31 January).
COUNTINGS = ("plain", "inclusive", "from_next_day")


def due_date(trigger: date, months: int, days: int, *, business_days: bool = False, counting: str = "plain",
             past_weekend: bool = False) -> date:
    """The due date counted from ``trigger``: calendar months first (as ``counting`` says), then days (working days
    if so counted); ``past_weekend``: a date on a Saturday or Sunday moves to the Monday after."""
    if counting == "from_next_day" and months:
        after_months = add_months(trigger + timedelta(days=1), months) - timedelta(days=1)
    else:
        after_months = add_months(trigger, months)
    due = add_business_days(after_months, days) if business_days else after_months + timedelta(days=days)
    if counting == "inclusive" and (months or days):
        due -= timedelta(days=1)
    while past_weekend and due.weekday() >= 5:
        due += timedelta(days=1)
    return due
