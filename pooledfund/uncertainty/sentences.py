"""The chances in plain words: one sentence per arrangement, partner and year.

A finance lead asks two things of a Monte Carlo run: how likely is the pool
to overspend, and how bad could our share be? Each sentence answers both for
one partner in one arrangement, for example::

    82% chance the Northmoor Better Care Fund pooled fund overspends in 2025-26;
    1 in 10 chance Northmoor Borough Council pays over £780k towards it.

The rules (docs/dashboard.md, "The chances in words"):

* **the chance of an overspend** is the share of paths whose variance for the
  year (spend less money in) is above £0, as a whole percentage rounded half
  up; a chance that would round to 0% reads "Under 1%", one that would round
  to 100% "Over 99%", and none or every path is said as such;
* **"1 in 10 chance ... pays over X"**: X is the P90 of the partner's share of
  that arrangement's overspend (the value 9 in 10 paths stay at or below,
  by the rule in :mod:`pooledfund.uncertainty.statistics`), written to two
  significant figures rounded down (£787,654.32 reads £780k), so the sentence
  stays true: rounded up, "over £790k" would be a chance under 1 in 10. The
  exact P90 is kept on the sentence (:attr:`ChanceSentence.share_p90`) for
  hover text and tables. When the P90 is £0 the partner pays nothing on at
  least 9 in 10 paths, and the sentence says so.

Pure functions over a :class:`~pooledfund.uncertainty.results.SimulationResult`;
nothing here formats for a particular screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import numpy as np

from pooledfund.core.money import format_gbp
from pooledfund.uncertainty.results import SimulationResult
from pooledfund.uncertainty.statistics import summarise

_UNITS = ((Decimal(1_000_000_000), "bn"), (Decimal(1_000_000), "m"), (Decimal(1_000), "k"))


@dataclass(frozen=True)
class ChanceSentence:
    """One partner's exposure to one arrangement's overspend in one year, in words and in figures.

    Attributes:
        arrangement_id, arrangement_name: the arrangement.
        partner_id, partner_name: the partner.
        year: the financial year ("2025-26").
        paths: how many paths were run.
        overspending_paths: on how many of them the arrangement overspent.
        share_p90: the P90 of the partner's share of the overspend, in pence
            (exact: the sentence rounds it).
        text: the sentence.
    """

    arrangement_id: str
    arrangement_name: str
    partner_id: str
    partner_name: str
    year: str
    paths: int
    overspending_paths: int
    share_p90: int
    text: str

    @property
    def probability_of_overspend(self) -> float:
        """The share of paths on which the arrangement overspent (0 to 1)."""
        return self.overspending_paths / self.paths

    @property
    def exact(self) -> str:
        """The figures behind the sentence, unrounded: for hover text."""
        return (f"{self.arrangement_name} overspends in {self.year} on {self.overspending_paths:,} of "
                f"{self.paths:,} paths ({self.probability_of_overspend:.1%}). P90 of {self.partner_name}'s "
                f"share of the overspend: exactly {format_gbp(self.share_p90)}.")


def chance_words(count: int, paths: int) -> str:
    """``count`` of ``paths`` as a chance: "82% chance", "Under 1% chance", "Over 99% chance".

    The percentage is rounded half up to a whole number (817 of 1,000 is
    81.7%, which reads 82%); a chance that is not nothing never reads 0%,
    and one short of certain never reads 100%. Callers say "none" and
    "every" themselves (``count`` 0 or ``paths``).
    """
    if not 0 < count < paths:
        raise ValueError(f"a chance needs some but not all paths (got {count} of {paths})")
    percent = (200 * count + paths) // (2 * paths)  # 100 x count / paths, halves up, in integers
    if percent == 0:
        return "Under 1% chance"
    if percent == 100:
        return "Over 99% chance"
    return f"{percent}% chance"


def rounded_pounds(pence: int) -> str:
    """An amount to two significant figures, rounded down, in short form: £780k, £1.2m, £45k, £9.5k, £870.

    Negative amounts are in brackets, as everywhere. For sentences, where the
    exact figure would be noise; the exact figure goes beside it (hover or a
    table). Rounded towards £0, so "pays over X" of a P90 stays true.
    Amounts under £1 are written to the penny.
    """
    value = abs(int(pence))
    if value < 100:
        return format_gbp(int(pence), brackets=True)
    pounds = Decimal(value) / 100
    digits = pounds.adjusted()  # the power of ten of the leading digit: 787,654.32 -> 5
    rounded = pounds.quantize(Decimal(1).scaleb(digits - 1), rounding=ROUND_DOWN)
    text = f"£{_plain(rounded)}"
    for size, unit in _UNITS:
        if rounded >= size:
            text = f"£{_plain(rounded / size)}{unit}"
            break
    return f"({text})" if pence < 0 else text


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros or an exponent: 790 -> "790", 1.20 -> "1.2"."""
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _the(name: str) -> str:
    """An arrangement's name as the subject of a sentence: "the Northmoor pooled fund"."""
    return name if name.lower().startswith("the ") else f"the {name}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def chance_sentence(sim: SimulationResult, arrangement_id: str, partner_id: str, year: str) -> ChanceSentence:
    """The sentence for one partner in one arrangement and year (rules in the module docstring)."""
    name = dict(sim.arrangements)[arrangement_id]
    partner = sim.partner_names[partner_id]
    overspending = int(np.count_nonzero(sim.arrangement_paths[(arrangement_id, year)].variance > 0))
    shares = sim.share_values(arrangement_id, partner_id, year)
    p90 = summarise(shares).p90
    subject = _the(name)
    if overspending == 0:
        text = (f"{_capitalised(subject)} overspends in {year} on none of the {sim.paths:,} paths, "
                f"so {partner} pays no overspend share.")
    else:
        if overspending == sim.paths:
            chance = f"{_capitalised(subject)} overspends in {year} on every one of the {sim.paths:,} paths"
        else:
            chance = f"{chance_words(overspending, sim.paths)} {subject} overspends in {year}"
        if p90 > 0:
            share = f"1 in 10 chance {partner} pays over {rounded_pounds(p90)} towards it"
        elif np.any(shares > 0):
            share = f"at least 9 in 10 chance {partner} pays nothing towards it"
        else:
            share = f"{partner} pays none of it on any path"
        text = f"{chance}; {share}."
    return ChanceSentence(arrangement_id, name, partner_id, partner, year, sim.paths, overspending, p90, text)


def chance_sentences(sim: SimulationResult, year: str) -> list[ChanceSentence]:
    """Every arrangement's sentences for a year, one per partner taking part, in the agreement's order."""
    return [chance_sentence(sim, arrangement_id, partner_id, year)
            for arrangement_id, _ in sim.arrangements
            for partner_id in sim.arrangement_partners(arrangement_id)]
