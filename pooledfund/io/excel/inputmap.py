"""The pack's input cells and the agreement field each one shows: recorded on export, read on import.

Every yellow input cell of the pack (outside the Expenditure plan, which is
read back by its headings) is written with a *binding* saying what it shows:

* :class:`Bound`: an agreement field the importer sets when the cell is
  changed, by field path (as the Assumptions Inputs table writes it) and the
  way the cell reads (:data:`UNITS`: pounds, a percentage, a partner's flag...);
* :class:`Fixed`: a figure the agreement does not hold as such (the projected
  spend, a scenario's change, a threshold stated as a percentage), so a
  change there is refused, saying where to make it instead.

The bindings are written to the Assumptions sheet as the "Input cells"
table (cell, field, how it reads, partner, value as exported), with the
Excel tables and defined names of the sheets they sit on, so the importer
can tell an edited cell from an unedited one and notice rows or columns
inserted since export. See :mod:`.edits` for the reading side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from pooledfund.io.excel.flatten import join_path

# How a bound cell reads (the "Reads as" column):
POUNDS = "pounds"
POUNDS_OR_BLANK = "pounds; blank for none"
PERCENT = "percent"
BASIS = "total or cash"
CAP = "cap: pounds, contribution or blank"
SHARE = "percent of the partner"
THE_PARTNER = "1 for the one partner"
SHARING = "1 if the partner shares"
UNITS = (POUNDS, POUNDS_OR_BLANK, PERCENT, BASIS, CAP, SHARE, THE_PARTNER, SHARING)

#: Why a :class:`Fixed` cell is not read back, by its reason word: what it shows and where to change it.
#: ``{field}`` is the field path the binding names.
REASONS = {
    "projected spend": ("is the projected spend for the month (the scheme's budget and phasing moved by the drivers, "
                        "or the scenario's actual spend), worked out, not an input of the agreement: change the "
                        "budget on the Expenditure plan or the phasing at {field} in the Assumptions Inputs table, "
                        "or give actual spend in a scenario file"),
    "scenario change": ("is the scenario's change to this contribution, not part of the agreement: change it in the "
                        "scenario file (contribution_changes) and export again"),
    "commissioner share": ("is the scheme's commissioner split, which is read from the Expenditure plan: change the "
                           "scheme's Commissioner split (or Commissioner, % NHS and % LA) there"),
    "agreed value": ("is worked out from the agreed value ({field}): change the agreed value's base, uplifts or "
                     "schedule in the Assumptions Inputs table"),
    "condition threshold": ("is a national-condition threshold, which comes from the thresholds file given to "
                            "export (--thresholds), not from the agreement: change that file and export again"),
    "worked out": ("is worked out for the year from {field}, which the agreement states as a percentage or year by "
                   "year: change it there, in the Assumptions Inputs table"),
    "default": ("belongs to the default rules of the arrangement's kind, which the agreement does not write out: "
                "state the rules at {field} in the Assumptions Inputs table (or in the agreement file)"),
    "pro rata": ("shows that every partner shares pro rata to its contributions, so who shares cannot be changed "
                 "cell by cell: change the sharing at {field} in the Assumptions Inputs table"),
    "payment": ("is a payment worked out from the contribution's payment schedule: change the schedule at {field} "
                "in the Assumptions Inputs table"),
}
#: The "Reads as" words of a :class:`Fixed` cell start with this.
FIXED_PREFIX = "not read: "
#: The "Reads as" words of a table or defined name recorded to notice inserted rows and columns.
LAYOUT_TABLE, LAYOUT_NAME = "layout: table", "layout: defined name"

MAP_TITLE = "Input cells"
CELL, FIELD, READS_AS, PARTNER, EXPORTED = "Cell", "Field", "Reads as", "Partner", "Value as exported"
MAP_HEADINGS = [CELL, FIELD, READS_AS, PARTNER, EXPORTED]


@dataclass(frozen=True)
class Bound:
    """An input cell that sets an agreement field when changed.

    Attributes:
        path: the field path, as the Inputs table writes it (``arrangements[0].risk_share[3].cap``);
            for :data:`CAP` the risk-share list, for :data:`SHARE` the mapping of shares, for
            :data:`THE_PARTNER` the field holding one partner id, for :data:`SHARING` the list of partners.
        unit: how the cell reads, one of :data:`UNITS`.
        partner: the partner whose column the cell is in (for the per-partner units).
    """

    path: str
    unit: str
    partner: str = ""


@dataclass(frozen=True)
class Fixed:
    """An input-looking cell whose change is refused, with the reason word (:data:`REASONS`) and where to change it."""

    reason: str
    path: str = ""


Binding = Bound | Fixed


#: Between the values of a run of :class:`Fixed` cells in the "Value as exported" column.
RUN_SEPARATOR = ";"


@dataclass
class Entry:
    """One recorded cell, or a run of cells along a row with the same :class:`Fixed` binding.

    Attributes:
        sheet: the sheet's name.
        row: the row.
        first_col: the first column of the run (the cell's column for one cell).
        binding: what the cells show.
        exported: the value written in each cell of the run, left to right.
    """

    sheet: str
    row: int
    first_col: int
    binding: Binding
    exported: list[object]

    @property
    def coordinate(self) -> str:
        """``B7``, or ``F5:Q5`` for a run."""
        first = f"{get_column_letter(self.first_col)}{self.row}"
        if len(self.exported) == 1:
            return first
        return f"{first}:{get_column_letter(self.first_col + len(self.exported) - 1)}{self.row}"

    @property
    def exported_text(self) -> object:
        """The value as exported, as the table writes it: the value itself, or a run's values joined by ``;``."""
        if len(self.exported) == 1:
            return self.exported[0]
        return RUN_SEPARATOR.join("" if v is None else repr(v) for v in self.exported)


@dataclass
class InputMap:
    """Every bound cell of the pack, in the order written.

    Neighbouring cells along a row with the same :class:`Fixed` binding (a
    scheme-year's twelve months of projected spend) are kept as one run, so
    the table stays a row per figure the agreement holds, not per month.
    """

    entries: list[Entry] = field(default_factory=list)

    def record(self, sheet: str, row: int, col: int, binding: Binding, exported: object) -> None:
        """Remember that the cell at ``row``, ``col`` of ``sheet`` shows ``binding`` and was written as ``exported``."""
        last = self.entries[-1] if self.entries else None
        if (isinstance(binding, Fixed) and last is not None and last.binding == binding and last.sheet == sheet
                and last.row == row and last.first_col + len(last.exported) == col and not isinstance(exported, str)):
            last.exported.append(exported)
            return
        self.entries.append(Entry(sheet, row, col, binding, [exported]))


def arrangement_path(index: int, *rest: str | int) -> str:
    """A field path under the arrangement at ``index``: ``arrangements[0].risk_share[2].limit``."""
    return join_path(["arrangements", index, *rest])
