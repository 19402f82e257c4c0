"""The national conditions' spend figures as Excel formulas, written once for the pack and the return.

Each takes the ranges of one scheme table (the pack's Expenditure plan, or
the return's Expenditure sheet) and the column of amounts to add up (a
year's budget, or the forecast outturn), and gives the formula that works
out the figure the engine's check compares with its threshold:

* **adult social care maintenance**: the NHS minimum contribution's social
  care spend, at the council's (% LA) share;
* **out of hospital**: the NHS minimum contribution's spend outside acute
  care, at the NHS share (% NHS);
* **DFG**: the Disabled Facilities Grant spent on anything but DFG-related schemes.

Text is compared with ``=`` as the check's own words are fixed labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from pooledfund.core.vocabulary import AreaOfSpend, FundingSource, SchemeType
from pooledfund.io.excel.cells import formula_text


@dataclass(frozen=True)
class SchemeRanges:
    """The ranges of a scheme table the condition formulas read, each a whole column."""

    source: str
    area: str
    scheme_type: str
    pct_nhs: str
    pct_la: str


def spend_formula(key: str, ranges: SchemeRanges, amounts: str) -> str | None:
    """The formula of a spend-based national condition, or None for a check that is not one of them."""
    nhs = formula_text(FundingSource.NHS_MINIMUM.label)
    if key == "asc_maintenance":
        return (f"ROUND(SUMPRODUCT(({ranges.source}={nhs})*({ranges.area}="
                f"{formula_text(AreaOfSpend.SOCIAL_CARE.label)})*{amounts}*{ranges.pct_la})/100,2)")
    if key == "out_of_hospital":
        return (f"ROUND(SUMPRODUCT(({ranges.source}={nhs})*({ranges.area}<>"
                f"{formula_text(AreaOfSpend.ACUTE.label)})*{amounts}*{ranges.pct_nhs})/100,2)")
    if key == "dfg":
        return (f"SUMPRODUCT(({ranges.source}={formula_text(FundingSource.DFG.label)})*({ranges.scheme_type}<>"
                f"{formula_text(SchemeType.DFG_RELATED.label)})*{amounts})")
    return None
