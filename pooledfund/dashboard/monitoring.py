"""The monthly monitoring view: the figures on screen against recorded versions, and the bridge by cause.

Three things, as plain data (pence) for the page to lay out:

* :func:`headline_changes`: the pool's variance and each partner's net cost
  on screen, beside a baseline version's recorded figures and last month's,
  with the movement against each (overspend +, underspend in brackets);
* :func:`scheme_changes`: each scheme's forecast outturn the same way, the
  schemes that moved only;
* :func:`bridge_frame`: the movement of every scheme's outturn since a
  previous forecast, put to its causes by :func:`pooledfund.reports.bridge.bridge`
  (the causes add up to the movement exactly), with a total row; and
  :func:`bridge_mismatches`, which refuses a bridge whose starting figures
  are not the previous version's recorded ones (the agreement changed in
  between, so a bridge would mix two agreements).

A recorded version's figures are read as recorded (never run again), so a
signed-off plan is compared exactly as the board approved it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pooledfund.core.money import format_gbp
from pooledfund.dashboard.data import ModelOutputs
from pooledfund.io.store.records import ARRANGEMENT, PARTNER, SCHEME, Version
from pooledfund.reports.bridge import CAUSES, BridgeLine

POOL_VARIANCE = "Pool variance, all arrangements"


@dataclass(frozen=True)
class HeadlineChange:
    """One headline figure on screen beside its recorded counterparts, in pence.

    Attributes:
        label: what the figure is ("Pool variance, all arrangements", "Northmoor ICB net cost").
        on_screen: the figure on screen.
        baseline: the baseline version's figure; None when that version has no such figure.
        last_month: last month's figure; None when there is no last month or it has no such figure.
    """

    label: str
    on_screen: int
    baseline: int | None
    last_month: int | None

    @property
    def against_baseline(self) -> int | None:
        """On screen less the baseline: positive is more spend or cost."""
        return None if self.baseline is None else self.on_screen - self.baseline

    @property
    def against_last_month(self) -> int | None:
        """On screen less last month."""
        return None if self.last_month is None else self.on_screen - self.last_month


def _recorded(version: Version | None, year: str, level: str, measure: str) -> dict[str, int]:
    """A version's recorded figures of one level and measure for a year, by item (partner, arrangement, scheme)."""
    if version is None:
        return {}
    return {f.item: f.pence for f in version.figures if f.year == year and f.level == level and f.measure == measure}


def _pool_variance(version: Version | None, year: str) -> int | None:
    """A version's variance of all its arrangements for a year, or None if it has no figures for the year."""
    found = _recorded(version, year, ARRANGEMENT, "variance")
    return sum(found.values()) if found else None


def headline_changes(outputs: ModelOutputs, year: str, baseline: Version | None,
                     last: Version | None) -> list[HeadlineChange]:
    """The pool's variance, then each partner's net cost: on screen, baseline, last month (pence)."""
    arrangements = outputs.arrangements_frame[outputs.arrangements_frame["year"] == year]
    rows = [HeadlineChange(POOL_VARIANCE, int(arrangements["variance"].sum()), _pool_variance(baseline, year),
                           _pool_variance(last, year))]
    partners = outputs.partners_frame[outputs.partners_frame["year"] == year].set_index("partner")
    then, before = (_recorded(v, year, PARTNER, "net_cost") for v in (baseline, last))
    for partner in outputs.partners:
        rows.append(HeadlineChange(f"{outputs.partner_names[partner]} net cost",
                                   int(partners.loc[partner, "net_cost"]), then.get(partner), before.get(partner)))
    return rows


def scheme_changes(outputs: ModelOutputs, year: str, baseline: Version | None, last: Version | None) -> pd.DataFrame:
    """Each scheme's forecast outturn on screen, at the baseline and last month, and the movements (pence).

    Only schemes whose outturn moved against either version are listed; a
    scheme a version does not have shows no figure (NaN) there.
    """
    frame = outputs.schemes_frame[outputs.schemes_frame["year"] == year]
    then, before = (_recorded(v, year, SCHEME, "spend") for v in (baseline, last))
    rows = []
    for scheme, name, spend in zip(frame["scheme"], frame["name"], frame["spend"], strict=True):
        now = int(spend)
        row = {"scheme": scheme, "name": name, "on_screen": now, "baseline": then.get(scheme),
               "against_baseline": None if scheme not in then else now - then[scheme],
               "last_month": before.get(scheme), "against_last_month": None if scheme not in before else
               now - before[scheme]}
        if row["against_baseline"] not in (0, None) or row["against_last_month"] not in (0, None):
            rows.append(row)
    return pd.DataFrame(rows, columns=["scheme", "name", "on_screen", "baseline", "against_baseline", "last_month",
                                       "against_last_month"])


def bridge_frame(lines: list[BridgeLine], names: dict[str, str]) -> pd.DataFrame:
    """The bridge by scheme (schemes that moved) and a total row: previous, each cause, current, movement (pence).

    Each row's causes add up to its movement, and the total row is the sum of
    every scheme's line (those that did not move add nothing).
    """
    columns = ["scheme", "name", "previous", *CAUSES, "current", "movement"]
    rows = [{"scheme": line.scheme_id, "name": names.get(line.scheme_id, line.scheme_id), "previous": line.previous,
             **line.causes, "current": line.current, "movement": line.movement}
            for line in lines if line.movement or any(line.causes.values())]
    total = {"scheme": "", "name": "Total (all schemes)", "previous": sum(line.previous for line in lines),
             **{cause: sum(line.causes[cause] for line in lines) for cause in CAUSES},
             "current": sum(line.current for line in lines), "movement": sum(line.movement for line in lines)}
    return pd.DataFrame([*rows, total], columns=columns)


def bridge_mismatches(lines: list[BridgeLine], previous: Version, year: str) -> list[str]:
    """Schemes whose bridge starts from another figure than the previous version recorded, in words.

    The bridge runs the previous version's scenario on the agreement on
    screen; if that agreement is not the one the previous version ran
    (budgets changed, a scheme added), its starting figures differ from the
    recorded ones and the causes would mix two agreements.
    """
    recorded = _recorded(previous, year, SCHEME, "spend")
    found = []
    for line in lines:
        if recorded.get(line.scheme_id) != line.previous:
            then = "no figure" if line.scheme_id not in recorded else format_gbp(recorded[line.scheme_id])
            found.append(f"{line.scheme_id}: recorded {then}, here {format_gbp(line.previous)}")
    found += [f"{scheme}: recorded, but not in the agreement on screen" for scheme in
              sorted(set(recorded) - {line.scheme_id for line in lines})]
    return found
