"""One vocabulary (issue 19, item 7): highlight colours apart from the form's fills, also in lightness."""

from __future__ import annotations

import pytest

from xlperf.findings import Severity
from xlperf.write.annotate import SEVERITY_COLORS
from xlperf.write.template import COMPUTED_FILL, INPUT_FILL, MISMATCH_FILL, STATED_FILL, TEXT_NUMBER_FILL


def _luminance(rgb: str) -> float:
    """WCAG relative luminance (what a reader without colour vision still tells apart)."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


FORM_FILLS = {name: fill.fgColor.rgb[-6:] for name, fill in (
    ("input", INPUT_FILL), ("stated", STATED_FILL), ("computed", COMPUTED_FILL), ("mismatch", MISMATCH_FILL),
    ("text-number", TEXT_NUMBER_FILL))}


@pytest.mark.parametrize("severity", [Severity.error, Severity.warning])
@pytest.mark.parametrize("form", sorted(FORM_FILLS))
def test_highlight_differs_from_form_fill_in_lightness(severity: Severity, form: str) -> None:
    assert _contrast(SEVERITY_COLORS[severity], FORM_FILLS[form]) >= 1.4, (severity, form)


@pytest.mark.parametrize("severity", list(Severity))
def test_black_text_is_legible_on_a_highlight(severity: Severity) -> None:
    assert _contrast(SEVERITY_COLORS[severity], "000000") >= 4.5
