"""The expenditure plan's columns, shared by the exporter and the importer.

The first columns follow the BCF planning template's expenditure tab in its
order (NHS England's BCF planning template): Scheme ID, Scheme Name, Brief Description,
Scheme Type, Sub Types, Area of Spend, Commissioner, % NHS, % LA, Provider,
Source of Funding, one Expenditure column per year, New/Existing. The
template's "Expected outputs" and "Units" columns are not modelled and are
ignored on import. Two pooledfund columns follow: the arrangement the scheme
belongs to and its exact commissioner split by partner id.
"""

from __future__ import annotations

import re

SHEET_PLAN = "Expenditure plan"
SHEET_INPUTS = "Assumptions"

SCHEME_ID = "Scheme ID"
NAME = "Scheme Name"
DESCRIPTION = "Brief Description"
SCHEME_TYPE = "Scheme Type"
SUB_TYPE = "Sub Types"
AREA = "Area of Spend"
COMMISSIONER = "Commissioner"
PCT_NHS = "% NHS"
PCT_LA = "% LA"
PROVIDER = "Provider"
SOURCE = "Source of Funding"
NEW_OR_EXISTING = "New/Existing"
ARRANGEMENT = "Arrangement"
SPLIT = "Commissioner split"

BEFORE_YEARS = [SCHEME_ID, NAME, DESCRIPTION, SCHEME_TYPE, SUB_TYPE, AREA, COMMISSIONER, PCT_NHS, PCT_LA, PROVIDER,
                SOURCE]
AFTER_YEARS = [NEW_OR_EXISTING]
EXTRAS = [ARRANGEMENT, SPLIT]
REQUIRED = [SCHEME_ID, NAME, SCHEME_TYPE, AREA, COMMISSIONER, PROVIDER, SOURCE]

#: Other headings planners use for the same column: the pack's own, and the wordings of the BCF planning
#: templates over the years (2019-20 to 2025-26: "Brief Description of Scheme", "% NHS (if Joint
#: Commissioner)", "New/ Existing Scheme"...). Matched on :func:`header_key` (lower case, single spaces).
ALIASES = {
    "scheme id": SCHEME_ID, "scheme ref": SCHEME_ID, "scheme reference": SCHEME_ID, "scheme no": SCHEME_ID,
    "scheme no.": SCHEME_ID, "scheme number": SCHEME_ID,
    "scheme name": NAME, "name of scheme": NAME,
    "brief description": DESCRIPTION, "description": DESCRIPTION, "brief description of scheme": DESCRIPTION,
    "scheme description": DESCRIPTION, "description of scheme": DESCRIPTION,
    "scheme type": SCHEME_TYPE, "sub types": SUB_TYPE, "sub type": SUB_TYPE, "sub-types": SUB_TYPE,
    "sub-type": SUB_TYPE, "subtype": SUB_TYPE, "subtypes": SUB_TYPE, "scheme sub type": SUB_TYPE,
    "scheme sub types": SUB_TYPE,
    "area of spend": AREA, "commissioner": COMMISSIONER, "% nhs": PCT_NHS, "% nhs (if joint commissioner)": PCT_NHS,
    "% la": PCT_LA, "% la (if joint commissioner)": PCT_LA, "provider": PROVIDER, "source of funding": SOURCE,
    "funding source": SOURCE,
    "new/existing": NEW_OR_EXISTING, "new/ existing scheme": NEW_OR_EXISTING, "new or existing": NEW_OR_EXISTING,
    "new/existing scheme": NEW_OR_EXISTING, "new or existing scheme": NEW_OR_EXISTING,
    "arrangement": ARRANGEMENT, "commissioner split": SPLIT,
}

_YEAR = r"(\d{4}\s*[-/]\s*\d{2,4})"
_POUNDS = re.compile(r"\(\s*£\s*\)|£|\(\s*gbp\s*\)", re.IGNORECASE)
#: A year's expenditure heading, once any £ sign is taken out: "Expenditure 2025-26", "Expenditure for
#: 2025-26", "Planned expenditure 2025/26", "2025-26 Expenditure", or the year alone.
_YEAR_HEADER = re.compile(
    rf"^(?:(?:planned\s+)?expenditure\s*(?:for\s+|in\s+)?)?{_YEAR}(?:\s+(?:planned\s+)?expenditure)?$",
    re.IGNORECASE,
)


def expenditure_header(year: str) -> str:
    """The heading of a year's expenditure column."""
    return f"Expenditure {year}"


def header_key(text: str) -> str:
    """A heading reduced for matching: lower case, single spaces."""
    return " ".join(str(text).replace("\n", " ").split()).lower()


def year_of_header(text: str) -> str | None:
    """The year text of an expenditure heading, or None.

    Accepts the template's wordings with or without the pound sign:
    "Expenditure 2025-26", "Expenditure for 2025-26 (£)", "Expenditure (£)
    2025-26", "2025/26 Expenditure", "2025/26".
    """
    match = _YEAR_HEADER.match(" ".join(_POUNDS.sub(" ", str(text)).split()))
    return match.group(1).replace(" ", "") if match else None
