"""The editable schemes table and the agreement with the budgets typed into it.

The dashboard shows every scheme's budget for a year in ``st.data_editor``;
:func:`read_budget_edits` reads what was typed (a bad figure is a located
problem, ``schemes table NM03.budget.2025-26: ...``) and
:func:`apply_budget_edits` gives the agreement the engine then runs.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pandas as pd

from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import MoneyError, format_gbp, pounds, to_pence
from pooledfund.model.agreement import Agreement

#: The "file name" problems typed into the schemes table are reported against.
TABLE_SOURCE = "schemes table"
BUDGET_COLUMN = "Budget (£)"

BudgetEdits = dict[tuple[str, str], int]  # (scheme id, year) -> budget in pence


def schemes_table(agreement: Agreement, year: str, edits: BudgetEdits | None = None) -> pd.DataFrame:
    """One row per scheme for the year, with its budget in pounds (edits applied), for st.data_editor.

    Partners and arrangements are named ("Northmoor Borough Council 40%"); the
    scheme's id stays in the first column, which the edits are read by.
    """
    edits = edits or {}
    partners = {p.id: p.name for p in agreement.partners}
    rows = []
    for arrangement in agreement.arrangements:
        for scheme in arrangement.schemes:
            split = scheme.commissioner_split()
            commissioner = ", ".join(partners.get(p, p) if v == 100 else f"{partners.get(p, p)} {v}%"
                                     for p, v in split.items())
            budget = edits.get((scheme.id, year), scheme.budget.get(year, 0))
            rows.append({
                "Scheme": scheme.id,
                "Name": scheme.name,
                BUDGET_COLUMN: float(pounds(budget)),
                "Type": scheme.scheme_type.label,
                "Commissioner": commissioner,
                "Source": scheme.funding_source.label,
                "Arrangement": arrangement.name,
            })
    return pd.DataFrame(rows)


def read_budget_edits(
    agreement: Agreement, edited: pd.DataFrame, year: str, edits: BudgetEdits | None = None
) -> tuple[BudgetEdits, list[InputError]]:
    """The budgets typed into the table for ``year``, merged into ``edits`` (other years kept).

    A budget back at its agreed value drops out of the edits. A blank,
    negative or fractional-penny budget is a located problem
    (``schemes table NM01.budget.2025-26: ...``) and that scheme keeps its budget.
    """
    merged = {k: v for k, v in (edits or {}).items() if k[1] != year}
    errors: list[InputError] = []
    agreed = {s.id: s.budget.get(year, 0) for _, s in agreement.schemes()}
    for scheme_id, value in zip(edited["Scheme"], edited[BUDGET_COLUMN], strict=True):
        where = Source(TABLE_SOURCE, None, f"{scheme_id}.budget.{year}")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            errors.append(InputError(where, "enter a budget (0 for none)"))
            continue
        try:
            pence = to_pence(Decimal(repr(float(value))) if isinstance(value, float) else value)
        except MoneyError as exc:
            errors.append(InputError(where, str(exc)))
            continue
        if pence < 0:
            errors.append(InputError(where, f"amount must not be negative (got {format_gbp(pence)})"))
            continue
        if pence != agreed.get(str(scheme_id), 0):
            merged[(str(scheme_id), year)] = pence
    return merged, errors


def apply_budget_edits(agreement: Agreement, edits: BudgetEdits) -> Agreement:
    """The agreement with some schemes' budgets changed; contributions stay as agreed.

    In a balanced pool a higher budget is then money the pool does not have,
    so it shows as an overspend for the risk share (and the "pool balances"
    check fails, saying by how much).
    """
    if not edits:
        return agreement
    arrangements = []
    for arrangement in agreement.arrangements:
        schemes = []
        for scheme in arrangement.schemes:
            changed = {year: pence for (sid, year), pence in edits.items() if sid == scheme.id}
            schemes.append(scheme.model_copy(update={"budget": {**scheme.budget, **changed}}) if changed else scheme)
        arrangements.append(arrangement.model_copy(update={"schemes": schemes}))
    return agreement.model_copy(update={"arrangements": arrangements})


def edits_key(edits: BudgetEdits) -> str:
    """A stable text form of the edits, for the content hash."""
    return json.dumps(sorted([sid, year, pence] for (sid, year), pence in edits.items()))
