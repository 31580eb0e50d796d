"""Dates as spreadsheets store them: a serial number of days shown with a date number format.

Excel, WPS and LibreOffice store a typed date as the number of days since 1899-12-30 (the "1900 date
system"; serial 1 is 1900-01-01 and Excel counts a 1900-02-29 that never was, so the systems agree from
1900-03-01 on) or, in a workbook flagged ``date1904``, since 1904-01-01. The engine computes with the 1900
serial as a ``Decimal``, so ``report_date <= date(2021, 12, 31) + 30`` is the same arithmetic in the engine
and in the sheet's ``N(report_date)<=DATE(2021,12,31)+30``; a comparison of two dates or a date and DATE()
gives the same verdict in either date system, because both sides shift alike.

Written here rather than taken from openpyxl (``openpyxl.utils.datetime``) because the engine must not import
the workbook library, and the conversion is two lines of :mod:`datetime` arithmetic.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal

__all__ = ["DATE_MAX", "DATE_MIN", "EPOCH_1904_OFFSET", "date_of_serial", "date_text", "excel_date", "serial_of",
           "shown", "yyyymmdd"]

_EPOCH = date(1899, 12, 30)
EPOCH_1904_OFFSET = 1462
"""Days between the two date systems: a 1904-system serial + 1462 is the 1900-system serial of the same day."""
DATE_MIN = date(1950, 1, 1)
DATE_MAX = date(2099, 12, 31)
"""The sane range of a date on a budget-performance form (a report date, a unit's founding date after 1949,
a project's start or end): anything outside is a typing error (5 typed into a date cell is 1900-01-05;
20211231 is the year 57,238). A framework's ``min`` / ``max`` narrow it further."""
_FIRST_TRUE_SERIAL = 61  # 1900-03-01: below it Excel's serials count the 1900-02-29 that never was


def serial_of(day: date) -> Decimal:
    """The 1900-system serial of a day (1900-03-01 and later)."""
    return Decimal((day - _EPOCH).days)


def date_of_serial(serial: Decimal, *, date1904: bool = False) -> date | None:
    """The day a whole serial stands for, or None when it is no day from 1900-03-01 to 9999-12-31."""
    if not serial.is_finite() or abs(serial) > 10**7 or serial != serial.to_integral_value():
        return None
    days = int(serial) + (EPOCH_1904_OFFSET if date1904 else 0)
    if days < _FIRST_TRUE_SERIAL or days > 2958465:  # 9999-12-31
        return None
    return _EPOCH + timedelta(days=days)


def excel_date(year: int, month: int, day: int) -> date | None:
    """Excel's DATE(y, m, d) for years 1900–9999: months and days beyond their range roll over (DATE(2021, 13,
    1) is 2022-01-01, DATE(2022, 3, 0) is 2022-02-28); None outside (Excel adds 1900 to a year below 1900,
    LibreOffice reads it as a two-digit year: no framework should depend on either)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    if not 1900 <= year <= 9999:
        return None
    try:
        out = date(year, month, 1) + timedelta(days=day - 1)
    except OverflowError:
        return None
    return out if date(1900, 3, 1) <= out <= date(9999, 12, 31) else None


_TEXT_DATE = re.compile(r"^(?P<y>\d{4})\s*(?:(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
                        r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日?)$", re.ASCII)


def date_text(text: str) -> date | None:
    """The day a text names in a form people type: 2021-12-31, 2021/12/31, 2021.12.31, 2021年12月31日
    (full-width digits too); None for anything else, or a day that does not exist (2021-02-30)."""
    m = _TEXT_DATE.match(unicodedata.normalize("NFKC", text).strip())
    if m is None:
        return None
    month, day = (m["m"], m["d"]) if m["m"] else (m["m2"], m["d2"])
    try:
        return date(int(m["y"]), int(month), int(day))
    except ValueError:
        return None


def yyyymmdd(number: Decimal) -> date | None:
    """The day an eight-digit number such as 20211231 spells, when it spells one (from 1900 on)."""
    if not number.is_finite() or number != number.to_integral_value() or not 19000101 <= number <= 99991231:
        return None
    n = int(number)
    try:
        return date(n // 10000, n // 100 % 100, n % 100)
    except ValueError:
        return None


def shown(value: object) -> str:
    """A serial as the ISO date it stands for (messages); any other value as it is."""
    if isinstance(value, Decimal) and not isinstance(value, bool):
        day = date_of_serial(value)
        if day is not None:
            return day.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
