"""The money flow of a year: each partner's contribution, less spend, to who bears the result.

One list of steps serves both the Money flow tab's waterfall chart and the
Summary tab's table, so the two always show the same figures. Money into
the pool is positive and money out of it negative; the steps add up to
nothing (the books balance), which the last line, "Left in the pool",
shows. Pure pandas on :class:`~pooledfund.dashboard.data.ModelOutputs`:
no plotly, so the page's first screen needs no chart library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from pooledfund.core.money import format_gbp
from pooledfund.dashboard.data import ModelOutputs
from pooledfund.dashboard.formats import variance_words

#: The line after spend: the variance, named by its direction.
VARIANCE_LABELS = ("Overspend", "Underspend", "On budget")
#: The table's column for every arrangement together.
ALL_ARRANGEMENTS = "All arrangements"
#: The table's last line: the steps add up to nothing.
LEFT_IN_POOL = "Left in the pool"

_CLOSING = (("carry_forward", "Carried forward", -1), ("reinvested", "Reinvested", -1),
            ("unfunded", "Unfunded (board)", 1))


@dataclass(frozen=True)
class FlowStep:
    """One line of the money flow.

    Attributes:
        label: What the line is, in words ("Northmoor Borough Council contribution", "Spend", "Money in").
        pence: A step's own amount (into the pool +, out of it negative); for a total, the running total.
        total: True for a running total ("Money in", the variance line, "Left in the pool").
        partner: True for a partner's own line (the chart wraps these long labels).
    """

    label: str
    pence: int
    total: bool = False
    partner: bool = False


@dataclass(frozen=True)
class MoneyFlow:
    """A year's money flow: its steps in order, the money in, and the variance (spend less money in).

    Attributes:
        steps: The lines, in order, adding up to nothing on "Left in the pool".
        money_in: The contributions and anything brought forward, in pence.
        variance: The arrangements' variance as the run reports it: overspend +, underspend negative.
    """

    steps: list[FlowStep]
    money_in: int
    variance: int


def money_flow(outputs: ModelOutputs, year: str, arrangement: str | None = None, *,
               keep_zero: bool = False) -> MoneyFlow:
    """The year's money flow for one arrangement (None: every arrangement together), in order.

    Each partner's contribution (cash plus in kind) and anything brought
    forward make the money in; spend takes it to the variance; each
    partner's overspend share, or underspend returned, then the
    carry-forward, reinvestment and any unfunded amount bring it to nothing.
    A partner or line with nothing in it is left out unless ``keep_zero``
    (so that several arrangements' lists line up, row for row).
    """
    parts = outputs.arrangement_partners
    parts = parts[parts["year"] == year]
    rows = outputs.arrangements_frame[outputs.arrangements_frame["year"] == year]
    if arrangement is not None:
        parts = parts[parts["arrangement"] == arrangement]
        rows = rows[rows["arrangement"] == arrangement]
    by_partner = parts.groupby("partner", sort=False)[["cash", "in_kind", "overspend_share", "underspend_return"]].sum()
    steps: list[FlowStep] = []
    running = 0

    def add(label: str, pence: int, *, partner: bool = False) -> None:
        nonlocal running
        if pence or keep_zero:
            steps.append(FlowStep(label, int(pence), partner=partner))
            running += int(pence)

    def each_partner(words: str, column: str, sign: int) -> None:
        for partner in outputs.partners:
            if partner in by_partner.index:
                totals = by_partner.loc[partner]
                amount = sign * (int(totals[column]) + (int(totals["in_kind"]) if column == "cash" else 0))
            elif keep_zero:
                amount = 0
            else:
                continue
            add(f"{outputs.partner_names[partner]} {words}", amount, partner=True)

    each_partner("contribution", "cash", 1)
    add("Brought forward", int(rows["brought_forward"].sum()))
    money_in = running
    steps.append(FlowStep("Money in", money_in, total=True))
    steps.append(FlowStep("Spend", -int(rows["spend"].sum())))  # always shown: the chart's variance sits after it
    running -= int(rows["spend"].sum())
    variance = int(rows["variance"].sum())
    steps.append(FlowStep(VARIANCE_LABELS[0] if variance > 0 else VARIANCE_LABELS[1] if variance < 0
                          else VARIANCE_LABELS[2], running, total=True))
    each_partner("overspend share", "overspend_share", 1)
    each_partner("underspend returned", "underspend_return", -1)
    for column, label, sign in _CLOSING:
        add(label, sign * int(rows[column].sum()))
    steps.append(FlowStep(LEFT_IN_POOL, running, total=True))
    return MoneyFlow(steps, money_in, variance)


def money_flow_table(outputs: ModelOutputs, year: str) -> pd.DataFrame:
    """The year's money flow as a table: a line per step, a column per arrangement and one for them all.

    Pence, money into the pool positive; a line that is nothing in every
    column is left out. The variance line holds the variance itself
    (overspend +, underspend negative), as the board summary states it,
    not the money left after spend. Each column adds up to nothing on
    "Left in the pool", and the arrangements add up to "All arrangements".
    """
    arrangements = outputs.arrangements_frame
    named = arrangements[arrangements["year"] == year][["arrangement", "name"]].drop_duplicates("arrangement")
    columns = {ALL_ARRANGEMENTS: money_flow(outputs, year, keep_zero=True)}
    if len(named) > 1:
        for arrangement, name in named.itertuples(index=False):
            columns[str(name)] = money_flow(outputs, year, str(arrangement), keep_zero=True)
    lines = [("Variance" if step.label in VARIANCE_LABELS else step.label) for step in columns[ALL_ARRANGEMENTS].steps]
    frame = pd.DataFrame({name: [flow.variance if s.label in VARIANCE_LABELS else s.pence for s in flow.steps]
                          for name, flow in columns.items()}, index=lines)
    keep = [line in ("Money in", "Spend", "Variance", LEFT_IN_POOL) or bool(frame.loc[line].any()) for line in lines]
    return frame[keep].rename_axis("Line").reset_index()


#: Characters that mean something in Markdown (or start a formula, ``$``), escaped in names from a user's file.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
#: The lines written in bold: the running totals.
_TOTAL_LINES = ("Money in", "Variance", LEFT_IN_POOL)


def _escaped(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def money_flow_markdown(table: pd.DataFrame) -> str:
    """:func:`money_flow_table` as a Markdown table: money to the penny, out of the pool in brackets.

    Names come from the user's agreement, so Markdown's own characters in
    them are escaped and show as typed. The variance is written with its
    direction (``(£300,000.00) underspend``); the totals are bold. A
    Markdown table needs none of the page's heavier table code, so the first
    screen stays quick.
    """
    names = [str(c) for c in table.columns[1:]]
    rows = [f"| {_escaped(str(table.columns[0]))} | " + " | ".join(_escaped(n) for n in names) + " |",
            "| :-- | " + " | ".join("--:" for _ in names) + " |"]
    for record in table.itertuples(index=False):
        line, amounts = str(record[0]), [int(v) for v in record[1:]]
        cells = [variance_words(v) if line == "Variance" else format_gbp(v, brackets=True) for v in amounts]
        if line in _TOTAL_LINES:
            rows.append(f"| **{_escaped(line)}** | " + " | ".join(f"**{c}**" for c in cells) + " |")
        else:
            rows.append(f"| {_escaped(line)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
