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

#: Other headings planners use for the same column.
ALIASES = {
    "scheme id": SCHEME_ID, "scheme ref": SCHEME_ID, "scheme name": NAME, "brief description": DESCRIPTION,
    "description": DESCRIPTION, "scheme type": SCHEME_TYPE, "sub types": SUB_TYPE, "sub type": SUB_TYPE,
    "area of spend": AREA, "commissioner": COMMISSIONER, "% nhs": PCT_NHS, "% nhs (if joint commissioner)": PCT_NHS,
    "% la": PCT_LA, "% la (if joint commissioner)": PCT_LA, "provider": PROVIDER, "source of funding": SOURCE,
    "new/existing": NEW_OR_EXISTING, "new/ existing scheme": NEW_OR_EXISTING, "new or existing": NEW_OR_EXISTING,
    "arrangement": ARRANGEMENT, "commissioner split": SPLIT,
}

_YEAR_HEADER = re.compile(r"^(?:expenditure\s*)?(?:\(?£\)?\s*)?(\d{4}\s*[-/]\s*\d{2,4})$", re.IGNORECASE)


def expenditure_header(year: str) -> str:
    """The heading of a year's expenditure column."""
    return f"Expenditure {year}"


def header_key(text: str) -> str:
    """A heading reduced for matching: lower case, single spaces."""
    return " ".join(str(text).replace("\n", " ").split()).lower()


def year_of_header(text: str) -> str | None:
    """The year text of an expenditure heading ("Expenditure 2025-26", "2025/26"), or None."""
    match = _YEAR_HEADER.match(" ".join(str(text).split()))
    return match.group(1).replace(" ", "") if match else None
