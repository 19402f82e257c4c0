"""A run's results as the figures a version keeps: partner, arrangement and scheme, per year, in pence.

The same figures ``pooledfund run`` prints and ``run --json`` writes (the
deterministic path, path 0), taken from the engine's
:class:`~pooledfund.engine.results.RunResult` as integer pence, so a
version's figures are the run's to the penny and sums of them reconcile.
"""

from __future__ import annotations

from pooledfund.engine.results import RunResult
from pooledfund.io.store.records import ARRANGEMENT, MEASURES, PARTNER, SCHEME, Figure
from pooledfund.model.agreement import Agreement


def run_figures(result: RunResult, agreement: Agreement, path: int = 0) -> tuple[Figure, ...]:
    """Every figure of one path of a run: partners' totals, then arrangements, then schemes, year by year.

    Scheme names come from ``agreement`` (the run carries only their ids).
    """
    scheme_names = {scheme.id: scheme.name for arrangement in agreement.arrangements for scheme in arrangement.schemes}
    figures: list[Figure] = []

    def add(year: str, level: str, arrangement: str, item: str, name: str, values: dict[str, int]) -> None:
        for measure in MEASURES[level]:
            figures.append(Figure(year, level, arrangement, item, name, measure, values[measure], len(figures)))

    for year in result.years:
        totals = result.partner_totals(year)
        for index, partner in enumerate(result.partners):
            add(year, PARTNER, "", partner, result.partner_names[partner],
                {key: int(values[path, index]) for key, values in totals.items()})
        for row in result.for_year(year):
            add(year, ARRANGEMENT, row.arrangement_id, row.arrangement_id, row.name, {
                "budget": int(row.budget[path]), "spend": int(row.spend[path]), "variance": int(row.variance[path]),
                "brought_forward": int(row.brought_forward[path]), "carry_forward": int(row.carry_forward[path]),
                "unfunded": int(row.unfunded[path]), "reinvested": int(row.reinvested[path].sum()),
                "contingency": int(row.contingency)})
        for row in result.for_year(year):
            for index, scheme in enumerate(row.scheme_ids):
                budget, spend = int(row.scheme_budget[index]), int(row.scheme_spend[path, index])
                add(year, SCHEME, row.arrangement_id, scheme, scheme_names.get(scheme, scheme),
                    {"budget": budget, "spend": spend, "variance": spend - budget})
    return tuple(figures)
