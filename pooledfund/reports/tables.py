"""Plain-text tables and CSV frames of a run's results, for the CLI.

Each table starts as plain rows built here (one dict per row, figures in
pence, formatted at the last moment). The text tables ``run`` and
``compare`` print are made from those rows directly, so printing a run never
loads pandas (it would take longer than the run itself); the pandas frames
the CSV export, the dashboard and notebooks use are the same rows, so every
output shares one set of numbers.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from pooledfund.core.money import format_gbp, pounds
from pooledfund.core.vocabulary import FundingSource
from pooledfund.engine.results import RunResult

if TYPE_CHECKING:  # pandas is imported by the functions that build frames, so text output starts quickly
    import pandas as pd

POSITION_COLUMNS = {
    "cash_contribution": "Cash",
    "in_kind": "In kind",
    "overspend_share": "Overspend share",
    "underspend_return": "Underspend returned",
    "net_cost": "Net cost",
}

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_text(value: object) -> object:
    """Make a text cell safe for spreadsheets: never let it start a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# Characters that reorder text on screen (bidirectional controls) can make a name read as another.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _shown(char: str) -> str:
    """One character as the terminal should show it: itself, or escaped if it could control the terminal."""
    if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
        code = ord(char)
        return {"\t": "\\t", "\r": "\\r", "\n": "\\n"}.get(char) or (
            f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return char


def printable(text: str, *, keep_newlines: bool = True) -> str:
    r"""Text made safe to print to a terminal: control characters shown escaped (ESC as ``\x1b``).

    A name in an input file could hold an escape sequence that recolours or
    rewrites the screen, or characters that reorder it; every text output of
    the command line goes through here, so what is printed is what the file
    says, visibly. Line breaks are kept unless ``keep_newlines`` is false
    (for a message that must stay on one line).
    """
    if text.isprintable():  # the usual case: nothing to escape, not even a line break
        return text
    lines = text.split("\n") if keep_newlines else [text]
    return "\n".join("".join(_shown(char) for char in line) for line in lines)


def partner_rows(result: RunResult, path: int = 0) -> list[dict[str, str | int]]:
    """One row per year and partner: cash, in kind, shares and net cost in pence."""
    rows = []
    for year in result.years:
        totals = result.partner_totals(year)
        for index, partner in enumerate(result.partners):
            row: dict[str, str | int] = {"year": year, "partner": partner,
                                         "partner_name": result.partner_names[partner]}
            row.update({key: int(values[path, index]) for key, values in totals.items()})
            rows.append(row)
    return rows


def partner_frame(result: RunResult, path: int = 0) -> pd.DataFrame:
    """:func:`partner_rows` as a pandas frame."""
    import pandas as pd

    return pd.DataFrame(partner_rows(result, path))


def arrangement_rows(result: RunResult, path: int = 0) -> list[dict[str, str | int]]:
    """One row per year and arrangement: budget, spend, variance, carry-forwards, in pence."""
    return [
        {
            "year": row.year,
            "arrangement": row.arrangement_id,
            "kind": row.kind,
            "host": row.host or "",
            "budget": int(row.budget[path]),
            "spend": int(row.spend[path]),
            "variance": int(row.variance[path]),
            "brought_forward": int(row.brought_forward[path]),
            "carry_forward": int(row.carry_forward[path]),
            "unfunded": int(row.unfunded[path]),
            "reinvested": int(row.reinvested[path].sum()),
        }
        for row in result.arrangement_years
    ]


def arrangement_frame(result: RunResult, path: int = 0) -> pd.DataFrame:
    """:func:`arrangement_rows` as a pandas frame."""
    import pandas as pd

    return pd.DataFrame(arrangement_rows(result, path))


def scheme_frame(result: RunResult, path: int = 0) -> pd.DataFrame:
    """One row per year and scheme: budget, spend and variance in pence."""
    import pandas as pd

    rows = []
    for row in result.arrangement_years:
        for index, scheme in enumerate(row.scheme_ids):
            budget = int(row.scheme_budget[index])
            spend = int(row.scheme_spend[path, index])
            rows.append(
                {"year": row.year, "arrangement": row.arrangement_id, "scheme": scheme,
                 "budget": budget, "spend": spend, "variance": spend - budget}
            )
    return pd.DataFrame(rows)


_SOURCE_COLUMNS = ["year", "arrangement", "source", "capital", "ring_fenced", "money_in", "budget", "spend",
                   "variance"]


def source_rows(result: RunResult, path: int = 0) -> list[dict[str, str | int | bool]]:
    """One row per year, arrangement and funding source: money in, budget, spend and variance in pence.

    ``capital`` marks capital money (the DFG) so it can be reported apart from
    revenue; ``ring_fenced`` marks a source whose variance stays within it.
    """
    return [
        {"year": row.year, "arrangement": row.arrangement_id, "source": figures.source, "capital": figures.capital,
         "ring_fenced": figures.ring_fenced, "money_in": figures.money_in, "budget": figures.budget,
         "spend": figures.spend, "variance": figures.spend - figures.budget}
        for row in result.arrangement_years for figures in row.by_source(path)
    ]


def source_frame(result: RunResult, path: int = 0) -> pd.DataFrame:
    """:func:`source_rows` as a pandas frame (with its columns even when there are no rows)."""
    import pandas as pd

    return pd.DataFrame(source_rows(result, path), columns=_SOURCE_COLUMNS)


def cash_flow_frame(result: RunResult, path: int = 0) -> pd.DataFrame:
    """The host's month-end cash position on each funded arrangement, in pence."""
    import pandas as pd

    from pooledfund.core.years import month_label

    rows = []
    for row in result.arrangement_years:
        position = row.cash_position
        if position is None or row.cash_in is None or row.cash_out is None or row.settlement is None:
            continue
        for month in range(12):
            rows.append(
                {
                    "year": row.year,
                    "arrangement": row.arrangement_id,
                    "host": row.host or "",
                    "month": month_label(row.year, month),
                    "received": int(row.cash_in[month]),
                    "paid_out": int(row.cash_out[path, month]),
                    "year_end_settlement": int(row.settlement[path]) if month == 11 else 0,
                    "position": int(position[path, month]),
                }
            )
    return pd.DataFrame(rows)


def to_pounds_csv(frame: pd.DataFrame, money_columns: list[str]) -> str:
    """A frame as CSV text with money in pounds (2 decimals) and text escaped."""
    out = frame.copy()
    for column in out.columns:
        if column in money_columns:
            out[column] = [f"{pounds(v)}" for v in out[column]]
        elif out[column].dtype == object or str(out[column].dtype).startswith("str"):
            out[column] = [escape_text(v) for v in out[column]]
    return out.to_csv(index=False)


def table_text(header: list[str], rows: list[list[str]], left_columns: int = 1) -> str:
    """A plain-text table: the first ``left_columns`` columns left-aligned, figures right-aligned.

    Each column is as wide as its widest cell; every row has one cell per header.
    """
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        aligned = (c.ljust(w) if i < left_columns else c.rjust(w)
                   for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(aligned)

    lines = [line(header), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in rows]
    return "\n".join(lines)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """:func:`table_text` with the first column left-aligned."""
    return table_text(header, rows)


def trigger_lines(result: RunResult, year: str, path: int = 0) -> list[str]:
    """One line per trigger of each arrangement in ``year``: crossed or not, since when, and the action due.

    Triggers move no money, so they sit under the table of figures rather than in it.
    """
    lines = []
    for row in result.for_year(year):
        for status in row.triggers:
            trigger = status.trigger
            head = f"{row.arrangement_id} trigger {status.index + 1}: {status.threshold_words(result.partner_names)}"
            if bool(status.crossed[path]):
                first = status.first_month_label(year, path)
                since = f" since {first}" if first else ""
                lines.append(f"{head}: CROSSED{since}; action: {printable(trigger.action, keep_newlines=False)}")
            else:
                lines.append(f"{head}: not crossed")
    return lines


def _money(value: int) -> str:
    """A figure in a text table: pounds and pence, negatives in brackets."""
    return format_gbp(value, brackets=True)


def positions_text(result: RunResult, path: int = 0) -> str:
    """The readable table of partner positions per year printed by ``pooledfund run``."""
    partners = partner_rows(result, path)
    arrangements = arrangement_rows(result, path)
    sources = source_rows(result, path)
    out = [f"{result.agreement_title}", f"Scenario: {result.scenario_name}", ""]
    for year in result.years:
        out.append(f"== {year} ==")
        year_partners = [row for row in partners if row["year"] == year]
        rows = [[str(row["partner_name"])] + [_money(int(row[k])) for k in POSITION_COLUMNS] for row in year_partners]
        rows.append(["Total"] + [_money(sum(int(row[k]) for row in year_partners)) for k in POSITION_COLUMNS])
        out.append(_table(["Partner", *POSITION_COLUMNS.values()], rows))
        out.append("")
        figures = ("budget", "spend", "variance", "brought_forward", "carry_forward", "unfunded")
        rows = [[str(row["arrangement"])] + [_money(int(row[k])) for k in figures]
                for row in arrangements if row["year"] == year]
        out.append(_table(["Arrangement", "Budget", "Spend", "Variance (over)", "Brought fwd", "Carried fwd",
                           "Unfunded"], rows))
        out += trigger_lines(result, year, path)
        out.append("")
        out.append(_sources_table([row for row in sources if row["year"] == year]))
        out.append("")
    out.append("Variance is spend less budget: positive is an overspend. Negative figures are in brackets.")
    out.append("By funding source, budget and spend are the schemes'; ring-fenced sources (*) are settled within "
               "the source.")
    return "\n".join(out)


def _sources_table(sources: list[dict[str, str | int | bool]]) -> str:
    """One year's variance by arrangement and funding source, then revenue and capital apart."""
    figures = ("budget", "spend", "variance")
    rows = []
    for record in sources:
        label = FundingSource.of(str(record["source"])).label + (" *" if record["ring_fenced"] else "")
        rows.append([str(record["arrangement"]), label, "capital" if record["capital"] else "revenue"]
                    + [_money(int(record[k])) for k in figures])
    for kind, capital in (("Revenue", False), ("Capital", True)):
        part = [record for record in sources if bool(record["capital"]) is capital]
        if part:
            rows.append([kind, "", ""] + [_money(sum(int(record[k]) for record in part)) for k in figures])
    return _table(["Arrangement", "Funding source", "Type", "Budget", "Spend", "Variance (over)"], rows)


def compare_text(results: list[RunResult], path: int = 0) -> str:
    """Partner net cost side by side across scenarios, with differences from the first."""
    base = results[0]
    net_costs = [{(row["year"], row["partner"]): int(row["net_cost"]) for row in partner_rows(r, path)}
                 for r in results]
    variances = [{(row["year"], row["arrangement"]): int(row["variance"]) for row in arrangement_rows(r, path)}
                 for r in results]
    out = [f"{base.agreement_title}", "Net cost by partner; differences are against the first scenario.", ""]
    for year in base.years:
        out.append(f"== {year} ==")
        header = ["Partner"] + [r.scenario_name for r in results] + [f"Change: {r.scenario_name}" for r in results[1:]]
        rows = []
        for partner in base.partners:
            values = [costs[(year, partner)] for costs in net_costs]
            rows.append([base.partner_names[partner]] + [_money(v) for v in values]
                        + [_money(v - values[0]) for v in values[1:]])
        out.append(_table(header, rows))
        out.append("")
        header = ["Arrangement variance"] + [r.scenario_name for r in results]
        rows = [[str(arrangement)] + [_money(found[(year, arrangement)]) for found in variances]
                for found_year, arrangement in variances[0] if found_year == year]
        out.append(_table(header, rows))
        out.append("")
    return "\n".join(out)


def text_table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """A plain-text table as ``run`` prints them: the first ``text_columns`` columns left-aligned, the rest right.

    Every row has one cell per header.
    """
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        aligned = (c.ljust(w) if i < text_columns else c.rjust(w)
                   for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(aligned).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])
