"""Several agreements together: each partner's totals across every agreement it is party to.

An ICB with five Health and Wellbeing Board pools, or an analyst with all
of England, needs one figure per body: its contributions, its shares of
overspends and underspends, what it got back and its net cost, summed over
the agreements. Two things make that safe:

* **Which partner is which body.** A partner is matched across agreements
  by its code: ``gss_code`` for a council, ``ods_code`` for an NHS body,
  and, without a code, its ``id``. Two files that give one code (or, without
  codes, one id) to bodies with different names are refused, located at
  the second file's partner, so two councils both called ``council`` are
  never added together by accident (:func:`match_partners`). The other way
  round, bodies matched as different whose names are the same (ignoring
  capitals, spaces and punctuation) are listed as warnings: a council with
  its ``gss_code`` in one file and none in another, or one name under two
  codes, is most likely one body counted twice, but two bodies may truly
  share a name, so the roll-up goes on (:attr:`Matching.warnings`).
* **Exact sums.** Every figure is integer pence summed without rounding, so
  a partner's roll-up equals the sum of its figures in each agreement to
  the penny, on every path (:func:`roll_up`).

The figures come in as each agreement's partner totals per year (what
:meth:`~pooledfund.engine.results.RunResult.partner_totals` gives, or a
Monte Carlo run's partner paths), so the same sums serve ``run`` (one path)
and ``simulate`` (many).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import IntArray
from pooledfund.engine.results import RunResult
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Partner, field_line, source_of

#: The partner figures :meth:`RunResult.partner_totals` gives, in the order tables show them.
RUN_MEASURES = ("cash_contribution", "in_kind", "overspend_share", "underspend_return", "net_cost")

#: A year's partner figures: measure -> ``(paths, partners)`` pence, partners in the agreement's order.
YearFigures = Mapping[str, IntArray]


@dataclass(frozen=True)
class RolledPartner:
    """One body across the agreements.

    Attributes:
        key: what matched it (``GSS E08000025``, ``ODS QHL``, or ``id council``).
        name: its name, as the first agreement that names it gives it.
        agreements: the labels of the agreements it is party to, in the order given.
    """

    key: str
    name: str
    agreements: tuple[str, ...]


@dataclass(frozen=True)
class Matching:
    """Which body each agreement's partners are.

    Attributes:
        partners: every body, in order of first appearance.
        columns: for each agreement, the position in ``partners`` of each of its partners (agreement order).
        warnings: one located warning for each body whose name is another body's, ignoring capitals, spaces
            and punctuation (see :func:`same_name_warnings`): probably one body counted twice.
    """

    partners: list[RolledPartner]
    columns: list[list[int]]
    warnings: tuple[InputError, ...] = ()


def _same_name(first: str, second: str) -> bool:
    """Names that differ only in capitals or spacing name the same body."""
    return " ".join(first.casefold().split()) == " ".join(second.casefold().split())


def name_key(name: str) -> str:
    """A body's name with capitals, spaces and punctuation taken out: what two spellings of one name share.

    ``Northmoor Borough Council``, ``NORTHMOOR BOROUGH COUNCIL.`` and
    ``Northmoor  Borough-Council`` all give ``northmoorboroughcouncil``.
    """
    return "".join(char for char in name.casefold() if char.isalnum())


def _matched_by(key: str) -> str:
    """How a match key matched, in a file's words: ``gss_code E08000025`` or ``id 'council' (no code)``."""
    kind, value = key.split(" ", 1)
    if kind == "id":
        return f"its id {value!r} (it has no gss_code or ods_code)"
    field = "gss_code" if kind == "GSS" else "ods_code"
    return f"{field} {value}"


def same_name_warnings(
    partners: Sequence[RolledPartner], first_seen: Sequence[tuple[str, Partner]]
) -> list[InputError]:
    """Bodies matched as different whose names are the same ignoring capitals, spaces and punctuation.

    Each such body after the first of its name gets one warning, located at
    the partner where it first appears (its file, line and ``name`` field),
    naming the body it may be and what matched each. A warning, not an
    error: two bodies can share a name, but far more often it is one
    council with its ``gss_code`` in one file and not in another, or one
    name under two codes (a typo), and the roll-up would count it twice.

    Args:
        partners: the bodies, as :func:`match_partners` found them.
        first_seen: for each body, the label of the agreement it first appears in and its partner there.
    """
    warnings: list[InputError] = []
    first_of_name: dict[str, int] = {}
    for index, partner in enumerate(partners):
        known = first_of_name.setdefault(name_key(partner.name), index)
        if known == index or not name_key(partner.name):
            continue
        label, record = first_seen[index]
        other_label, _ = first_seen[known]
        other = partners[known]
        where = "this file" if other_label == label else other_label
        source = source_of(record) or Source(label)
        message = (f"{partner.name!r} is counted as a different body from {other.name!r} in {where}: it is matched "
                   f"by {_matched_by(partner.key)} here and by {_matched_by(other.key)} there. If they are one "
                   "body, give it the same code in every agreement (a council's gss_code, an NHS body's "
                   "ods_code), so its figures are added together; if they are different bodies, give them "
                   "names that tell them apart")
        warnings.append(InputError(Source(source.file or label, field_line(record, "name"), f"{source.path}.name"),
                                   message))
    return warnings


def _conflict(partner: Partner, label: str, first: RolledPartner, first_label: str) -> InputError:
    """The located error for a code (or id) two files give to bodies with different names."""
    source = source_of(partner) or Source(label)
    what = {"GSS": "gss_code", "ODS": "ods_code"}.get(first.key.split(" ", 1)[0], "id")
    code = first.key.split(" ", 1)[1]
    message = (f"{what} {code} is {partner.name!r} here but {first.name!r} in {first_label}; one {what} must "
               f"name one body in every agreement: correct the name, or the {what}")
    if what == "id":
        message += " (or give each council its gss_code and each NHS body its ods_code)"
    return InputError(Source(source.file or label, field_line(partner, "name"), f"{source.path}.name"), message)


def repeated_agreements(labelled: Sequence[tuple[str, Agreement]]) -> list[InputError]:
    """Two files (labels) holding one agreement id: the same agreement given twice would be counted twice.

    Located at the later file's ``agreement.id``; the command line and the
    dashboard refuse in these words.
    """
    errors: list[InputError] = []
    seen: dict[str, str] = {}
    for label, agreement in labelled:
        if agreement.id in seen:
            errors.append(InputError(Source(label, field_line(agreement, "id"), "agreement.id"),
                                     f"agreement id {agreement.id!r} is also the id of {seen[agreement.id]}; the "
                                     "same agreement given twice would be counted twice: give each its own id"))
        else:
            seen[agreement.id] = label
    return errors


def match_partners(agreements: Sequence[tuple[str, Agreement]]) -> tuple[Matching, list[InputError]]:
    """Match every agreement's partners to bodies by code (else id); list every name conflict, located.

    Args:
        agreements: each agreement with its label (the file as the user gave it).

    Returns:
        The matching, and one error for each partner whose code (or id) an
        earlier agreement gave to a body with another name. The matching is
        complete even with errors, but must not be used when there are any.
        Its ``warnings`` list bodies that may be one body counted twice
        (:func:`same_name_warnings`).
    """
    partners: list[RolledPartner] = []
    first_label: list[str] = []
    first_seen: list[tuple[str, Partner]] = []
    position: dict[str, int] = {}
    columns: list[list[int]] = []
    errors: list[InputError] = []
    for label, agreement in agreements:
        mine: list[int] = []
        for partner in agreement.partners:
            key = partner.match_key
            index = position.get(key)
            if index is None:
                index = position[key] = len(partners)
                partners.append(RolledPartner(key, partner.name, (label,)))
                first_label.append(label)
                first_seen.append((label, partner))
            else:
                known = partners[index]
                if not _same_name(known.name, partner.name):
                    errors.append(_conflict(partner, label, known, first_label[index]))
                if label not in known.agreements:
                    partners[index] = RolledPartner(known.key, known.name, (*known.agreements, label))
            mine.append(index)
        columns.append(mine)
    return Matching(partners, columns, tuple(same_name_warnings(partners, first_seen))), errors


@dataclass(frozen=True)
class Rollup:
    """Each body's figures summed over the agreements, per year, in pence on every path.

    Attributes:
        partners: the bodies (see :class:`Matching`).
        years: every year any agreement covers, in order.
        measures: the figures summed (``net_cost``, ``overspend_share``...).
        totals: measure -> ``(paths, partners, years)`` pence; a year an agreement
            does not cover adds nothing.
        labels: the agreements' labels, in the order given.
        figures: each agreement's own figures as given (year -> measure -> ``(paths, its partners)``),
            so a table can show where a total comes from (:meth:`part`).
        columns: for each agreement, the body each of its partners is (see :class:`Matching`).
        warnings: the matching's warnings (bodies that may be one body counted twice), for a page to show.
    """

    partners: list[RolledPartner]
    years: list[str]
    measures: tuple[str, ...]
    totals: dict[str, IntArray]
    labels: list[str]
    figures: list[Mapping[str, YearFigures]]
    columns: list[list[int]]
    warnings: tuple[InputError, ...] = ()

    @property
    def paths(self) -> int:
        """How many paths each figure has (1 for a deterministic run)."""
        return int(next(iter(self.totals.values())).shape[0])

    def values(self, measure: str, partner: int, year: str | None = None) -> IntArray:
        """One body's figure on every path, ``(paths,)`` pence: for one year, or all years added together."""
        table = self.totals[measure][:, partner, :]
        return table.sum(axis=1) if year is None else table[:, self.years.index(year)]

    def covers(self, partner: int, year: str | None) -> bool:
        """Whether any of the body's agreements runs in ``year`` (None: always true)."""
        return year is None or any(partner in columns and year in table
                                   for columns, table in zip(self.columns, self.figures, strict=True))

    def part(self, agreement: int, measure: str, partner: int, year: str | None = None) -> IntArray | None:
        """One body's figure in one agreement alone, ``(paths,)`` pence; None if it is not party to it.

        ``year`` None adds the agreement's years together; a year the agreement does not cover is zero.
        """
        columns = self.columns[agreement]
        if partner not in columns:
            return None
        column = columns.index(partner)
        table = self.figures[agreement]
        chosen = [y for y in table if year is None or y == year]
        values = np.zeros(self.paths, dtype=np.int64)
        for one in chosen:
            values += table[one][measure][:, column]
        return values


def roll_up(
    labels: Sequence[str], figures: Sequence[Mapping[str, YearFigures]], matching: Matching,
    measures: Sequence[str] = RUN_MEASURES,
) -> Rollup:
    """Sum each agreement's partner figures into its bodies' columns, exactly, per year and path.

    Args:
        labels: each agreement's label, in the order of ``matching``.
        figures: for each agreement, year -> measure -> ``(paths, partners)`` pence.
        matching: from :func:`match_partners` on the same agreements, with no errors.
        measures: which figures to sum (every agreement must have them).

    Raises:
        ValueError: the agreements' figures have different numbers of paths.
    """
    years = sorted({year for table in figures for year in table})
    counts = {next(iter(table[year].values())).shape[0] for table in figures for year in table}
    if len(counts) > 1:
        raise ValueError(f"every agreement's figures must have the same number of paths (got {sorted(counts)})")
    paths = counts.pop() if counts else 1
    shape = (paths, len(matching.partners), len(years))
    totals = {measure: np.zeros(shape, dtype=np.int64) for measure in measures}
    for table, columns in zip(figures, matching.columns, strict=True):
        for year, by_measure in table.items():
            where = years.index(year)
            for measure in measures:
                # One body is one partner in an agreement (codes and ids are unique within a file), so
                # the columns are distinct and each partner's figure is added once.
                totals[measure][:, columns, where] += by_measure[measure]
    return Rollup(matching.partners, years, tuple(measures), totals, list(labels), list(figures),
                  [list(c) for c in matching.columns], matching.warnings)


def run_figures(result: RunResult) -> dict[str, YearFigures]:
    """A run's partner totals for every year, as :func:`roll_up` takes them."""
    return {year: result.partner_totals(year) for year in result.years}
