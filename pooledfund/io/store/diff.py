"""What changed between two versions: their input files line by line, and their figures penny by penny.

The files are compared as text (a unified diff, as ``diff -u`` prints it);
the figures partner by partner, arrangement by arrangement and scheme by
scheme, year by year, each with its movement (the second version's figure
less the first's). Every partner's net cost and every arrangement's variance
is shown even when it did not move, so the table reads as a whole; any other
figure is shown only when it moved.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from pooledfund.core.counts import plural
from pooledfund.core.money import format_gbp
from pooledfund.io.store.records import (
    AGREEMENT_ROLE,
    ARRANGEMENT,
    MEASURES,
    PARTNER,
    SCHEME,
    Figure,
    InputText,
    Version,
)
from pooledfund.reports.tables import text_table

#: The figure of each level shown for every item, moved or not.
HEADLINE = {PARTNER: "net_cost", ARRANGEMENT: "variance", SCHEME: "variance"}
_ALWAYS_SHOWN = {PARTNER, ARRANGEMENT}
_LEVEL_TITLES = {PARTNER: "Partner", ARRANGEMENT: "Arrangement", SCHEME: "Scheme"}


@dataclass(frozen=True)
class Movement:
    """One figure in two versions.

    Attributes:
        year, level, item, name, measure: which figure (see :class:`~pooledfund.io.store.records.Figure`).
        first: its amount in the first version, in pence; None if the first version has no such figure.
        second: its amount in the second version; None if it has none.
    """

    year: str
    level: str
    item: str
    name: str
    measure: str
    first: int | None
    second: int | None

    @property
    def change(self) -> int:
        """The second less the first, in pence (a figure one version lacks counts as £0.00 there)."""
        return (self.second or 0) - (self.first or 0)

    @property
    def moved(self) -> bool:
        """Whether the figure differs (or is in only one of the versions)."""
        return self.first != self.second


def movements(first: Version, second: Version) -> list[Movement]:
    """Every figure of either version paired with its counterpart, in the order the versions list them."""
    by_key_first = {f.key: f for f in first.figures}
    by_key_second = {f.key: f for f in second.figures}
    ordered: list[Figure] = list(second.figures) + [f for f in first.figures if f.key not in by_key_second]
    out = []
    for figure in ordered:
        a, b = by_key_first.get(figure.key), by_key_second.get(figure.key)
        out.append(Movement(figure.year, figure.level, figure.item, figure.name, figure.measure,
                            a.pence if a else None, b.pence if b else None))
    return out


def _file_key(item: InputText) -> tuple[int, int, int]:
    """Where a file sits in a run (the agreement, then each scenario and the files it extends), to pair them."""
    return (0 if item.role == AGREEMENT_ROLE else 1, item.position, item.part)


def _file_title(item: InputText) -> str:
    """A file's part in the run, in words: "agreement", "scenario 1", "scenario 1 extends (1)"."""
    if item.role == AGREEMENT_ROLE:
        return "agreement"
    return f"scenario {item.position + 1}" + (f" extends ({item.part})" if item.part else "")


def inputs_text(first: Version, second: Version) -> str:
    """The input files compared pair by pair: unchanged (with its hash), or a unified diff of the two texts."""
    a_files = {_file_key(f): f for f in first.inputs}
    b_files = {_file_key(f): f for f in second.inputs}
    a_ref, b_ref = f"@{first.info.id}", f"@{second.info.id}"
    lines: list[str] = []
    for key in sorted(set(a_files) | set(b_files)):
        a, b = a_files.get(key), b_files.get(key)
        if a is not None and b is not None and a.sha256 == b.sha256:
            lines.append(f"{_file_title(b)} {b.name}: unchanged (SHA-256 {b.sha256})")
            continue
        if a is not None and b is not None:
            lines.append(f"{_file_title(a)}: {a.name} (SHA-256 {a.sha256}) -> {b.name} (SHA-256 {b.sha256})")
        elif b is not None:
            lines.append(f"{_file_title(b)} {b.name}: only in version {second.info.id} (SHA-256 {b.sha256})")
        elif a is not None:
            lines.append(f"{_file_title(a)} {a.name}: only in version {first.info.id} (SHA-256 {a.sha256})")
        diff = difflib.unified_diff(
            (a.text if a else "").splitlines(), (b.text if b else "").splitlines(),
            fromfile=f"{a_ref}/{a.name}" if a else "(none)", tofile=f"{b_ref}/{b.name}" if b else "(none)",
            lineterm="")
        lines += list(diff)
    return "\n".join(lines)


def _amount(pence: int | None) -> str:
    """An amount for the table; a dash when the version has no such figure."""
    return "—" if pence is None else format_gbp(pence, brackets=True)


def figures_text(first: Version, second: Version) -> str:
    """The figures compared year by year: partners, arrangements, then the schemes with a figure that moved."""
    a_ref, b_ref = f"@{first.info.id}", f"@{second.info.id}"
    all_moves = movements(first, second)
    years = sorted({m.year for m in all_moves})
    out: list[str] = []
    for year in years:
        out.append(f"== {year} ==")
        for level in (PARTNER, ARRANGEMENT, SCHEME):
            rows = _level_rows([m for m in all_moves if m.year == year and m.level == level], level)
            if not rows:
                out.append(f"{_LEVEL_TITLES[level]}s: no figure moved.")
            else:
                out.append(text_table([_LEVEL_TITLES[level], "Figure", a_ref, b_ref, "Movement"], rows, text_columns=2))
            out.append("")
    moved = sum(1 for m in all_moves if m.moved)
    same = "the one figure is" if len(all_moves) == 1 else f"all {len(all_moves):,} figures are"
    out.append(f"{moved:,} of {plural(len(all_moves), 'figure')} moved." if moved else
               f"No figure moved: {same} the same to the penny.")
    out.append("Movement is the second version's figure less the first's; negative figures are in brackets. "
               "Variance is spend less budget: positive is an overspend. — : not in that version (counted as £0.00).")
    return "\n".join(out)


def _level_rows(moves: list[Movement], level: str) -> list[list[str]]:
    """The rows of one level's table: each item's figures that moved (and its headline figure if always shown)."""
    headline = HEADLINE[level]
    items: dict[str, list[Movement]] = {}
    for move in moves:
        items.setdefault(move.item, []).append(move)
    rows: list[list[str]] = []
    order = list(MEASURES[level])
    for item, figures in items.items():
        shown = [m for m in figures if m.moved or (level in _ALWAYS_SHOWN and m.measure == headline)]
        if not shown:
            continue
        shown.sort(key=lambda m: order.index(m.measure) if m.measure in order else len(order))
        name = figures[0].name
        label = name if level == PARTNER or name == item else f"{item} {name}"
        for index, move in enumerate(shown):
            rows.append([label if index == 0 else "", MEASURES[level].get(move.measure, move.measure),
                         _amount(move.first), _amount(move.second), format_gbp(move.change, brackets=True)])
    if level == PARTNER and rows:
        totals = [m for m in moves if m.measure == headline]
        first = sum(m.first or 0 for m in totals)
        second = sum(m.second or 0 for m in totals)
        rows.append(["Total", MEASURES[level][headline], format_gbp(first, brackets=True),
                     format_gbp(second, brackets=True), format_gbp(second - first, brackets=True)])
    return rows


def diff_text(first: Version, second: Version) -> str:
    """Everything that changed from ``first`` to ``second``: the files, then the figures."""
    head = [f"From {first.info.describe()}", f"  to {second.info.describe()}", ""]
    if first.info.agreement_id != second.info.agreement_id:
        head += [f"Note: they ran different agreements ({first.info.agreement_id} and {second.info.agreement_id}).",
                 ""]
    return "\n".join([*head, "Input files", "-----------", inputs_text(first, second), "",
                      "Figures", "-------", figures_text(first, second)])
