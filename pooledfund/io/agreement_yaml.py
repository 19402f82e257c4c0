"""Write an agreement back out as a file in the agreement format, losslessly.

Used by ``pooledfund import-xlsx`` and the workbook's Assumptions sheet: the
data has the four sections of an agreement file (``agreement``, ``partners``,
``arrangements``, ``assumptions``), money in pounds and percentages as numbers,
so reading it back gives an agreement equal to the one written.
"""

from __future__ import annotations

from typing import Any

import yaml

from pooledfund.model.agreement import Agreement

_HEADER_FIELDS = ("id", "title", "place", "years", "host_partner", "pooled_fund_manager", "status", "meeting",
                  "meeting_date", "board_chair")


def agreement_to_data(agreement: Agreement, *, exclude_defaults: bool = False) -> dict[str, Any]:
    """The agreement as plain data in the file's sections (JSON types only)."""
    dumped = agreement.model_dump(mode="json", by_alias=True, exclude_defaults=exclude_defaults)
    header = {key: dumped[key] for key in _HEADER_FIELDS if key in dumped}
    data: dict[str, Any] = {"agreement": header, "partners": dumped["partners"],
                            "arrangements": dumped["arrangements"]}
    if "assumptions" in dumped:
        data["assumptions"] = dumped["assumptions"]
    return data


def agreement_yaml(agreement: Agreement, comment: str = "") -> str:
    """YAML text of the agreement (defaults left out), optionally under a comment block."""
    text = yaml.safe_dump(agreement_to_data(agreement, exclude_defaults=True), sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=120)
    if comment:
        text = "".join(f"# {line}\n" for line in comment.splitlines()) + text
    return text
