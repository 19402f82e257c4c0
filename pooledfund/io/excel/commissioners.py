"""Who commissions each scheme of an exported pack's plan: the Commissioner split, checked against the template's cells.

The pack's Expenditure plan states a scheme's commissioner twice: in the
template's Commissioner, % NHS and % LA cells, and exactly, by partner id, in
the pooledfund "Commissioner split" column. When the split is filled in it
decides, and the template's cells must agree with it: an edit to one and not
the other is an error naming both cells, never silently ignored. When the
split is blank, the template's cells decide: LA is the agreement's one
council (any partner that is not an NHS body), ICB or CCG its one integrated
care board, NHS its one NHS body, and Joint splits % NHS and % LA between
those two; if the agreement has more than one such partner, the split must
be written out.
"""

from __future__ import annotations

from decimal import Decimal

from pooledfund.core.errors import InputError, Source
from pooledfund.core.vocabulary import PartnerKind
from pooledfund.io.excel import layout
from pooledfund.io.excel.plan import PlanScheme, StatedCommissioner, percent_words

_NHS_KINDS = {PartnerKind.INTEGRATED_CARE_BOARD.value, PartnerKind.NHS_TRUST.value}
_TOLERANCE = Decimal("0.000001")  # % NHS is written as a float; a 1E-6 point difference is not an edit


def _side(shares: dict[str, Decimal], kinds: dict[str, str]) -> tuple[str, Decimal]:
    """LA, NHS or JOINT, and the % commissioned by NHS bodies, of a split by partner."""
    nhs = sum((pct for partner, pct in shares.items() if kinds.get(partner) in _NHS_KINDS), Decimal(0))
    if len(shares) > 1:
        return "JOINT", nhs
    return ("NHS" if nhs == 100 else "LA"), nhs


def _shares(commissioner: str | dict[str, str]) -> dict[str, Decimal] | None:
    if isinstance(commissioner, str):
        return {commissioner: Decimal(100)}
    try:
        return {partner: Decimal(pct) for partner, pct in commissioner.items()}
    except ArithmeticError:
        return None


def _disagreement(stated: StatedCommissioner, side: str, nhs: Decimal) -> tuple[str, str] | None:
    """The first of the template's cells that contradicts the split: (heading, what it says), or None."""
    if stated.side and stated.side != side:
        return layout.COMMISSIONER, f"Commissioner {stated.word}"
    for heading, value, should in ((layout.PCT_NHS, stated.nhs, nhs), (layout.PCT_LA, stated.la, 100 - nhs)):
        if value is not None and abs(value - should) > _TOLERANCE:
            return heading, f"{heading} {percent_words(value)}"
    return None


def _split_words(side: str, nhs: Decimal) -> str:
    label = {"LA": "LA", "NHS": "ICB/NHS", "JOINT": "Joint"}[side]
    return f"{label}, % NHS {percent_words(nhs)}, % LA {percent_words(100 - nhs)}"


def _only(partners: dict[str, str], wanted: set[str]) -> list[str]:
    return [pid for pid, kind in partners.items() if kind in wanted]


def _from_template(stated: StatedCommissioner, kinds: dict[str, str]) -> tuple[str | dict[str, str] | None, str]:
    """The commissioner the template's cells name among the agreement's partners, or (None, why not)."""
    councils = _only(kinds, set(kinds.values()) - _NHS_KINDS)
    icbs = _only(kinds, {PartnerKind.INTEGRATED_CARE_BOARD.value}) or _only(kinds, _NHS_KINDS)
    nhs_bodies = _only(kinds, _NHS_KINDS)
    candidates = {"LA": councils, "NHS": nhs_bodies if stated.word == "NHS" else icbs}
    needed = ["LA", "NHS"] if stated.side == "JOINT" else [stated.side]
    chosen: dict[str, str] = {}
    for side in needed:
        found = candidates[side]
        if len(found) != 1:
            what = "a council" if side == "LA" else "an NHS body"
            listing = f" ({', '.join(found)})" if found else ""
            return None, (f"{what} {'is not one of' if not found else 'is more than one of'} the agreement's "
                          f"partners{listing}")
        chosen[side] = found[0]
    if stated.side != "JOINT":
        return chosen[stated.side], ""
    return {chosen["NHS"]: percent_words(stated.nhs or Decimal(0)),
            chosen["LA"]: percent_words(stated.la or Decimal(0))}, ""


def reconcile(scheme: PlanScheme, kinds: dict[str, str], name: str, sheet: str) -> str | dict[str, str] | InputError:
    """The scheme's commissioner in a pack, or the one located error that says why it cannot be known.

    ``kinds`` maps each partner id of the agreement to its kind.
    """
    stated = scheme.stated
    if scheme.split_cell:
        shares = _shares(scheme.commissioner)
        if stated is None or shares is None:
            return scheme.commissioner
        side, nhs = _side(shares, kinds)
        clash = _disagreement(stated, side, nhs)
        if clash is None:
            return scheme.commissioner
        heading, says = clash
        return InputError(
            Source(name, None, f"'{sheet}'!{stated.cells[heading]}"),
            f"{says} does not match the Commissioner split in {scheme.split_cell} ('{_split_text(scheme)}', which is "
            f"{_split_words(side, nhs)}); the split decides who commissions the scheme: make the two agree, "
            f"or clear {scheme.split_cell} to use Commissioner, % NHS and % LA")
    if stated is None or not stated.side:
        return scheme.commissioner
    commissioner, why = _from_template(stated, kinds)
    if commissioner is None:
        return InputError(
            Source(name, None, f"'{sheet}'!{stated.cells[layout.COMMISSIONER]}"),
            f"Commissioner {stated.word} cannot be matched to one partner: {why}; write the partner ids in the "
            "Commissioner split column, e.g. 'icb 60%; council 40%'")
    return commissioner


def _split_text(scheme: PlanScheme) -> str:
    if isinstance(scheme.commissioner, str):
        return scheme.commissioner
    return "; ".join(f"{partner} {pct}%" for partner, pct in scheme.commissioner.items())
