"""Write 153 Better Care Fund agreements, one per Health and Wellbeing Board, summing to England's 2025-26 totals.

Run: python benchmarks/generate_england.py OUT_FOLDER [--force]

The national totals are those NHS England published for the 2025-26 BCF:
NHS minimum contribution £5,614m (ICB discharge funding included), Local
Authority Better Care Grant £2,640m (the iBCF and LA discharge funding
together) and Disabled Facilities Grant £711m. Each is split across the 153
areas in proportion to a size drawn once from a fixed seed (a lognormal
around a population of about 370,000: a few areas the size of a small
county town, a few of well over a million), by largest remainder in pence,
so the areas add up to each national total exactly. Within an area served
by several integrated care boards, the NHS minimum is split between them
the same way.

The places, names and codes are **invented**: ``Area 001 Council`` has GSS
code ``E0x9xxxxx`` (the 900,000s of each series, which the ONS has not
issued) and the 42 boards ``NHS Integrated Care Board 01`` have ODS-like codes
``X01``..``X42`` (ODS codes are never X-prefixed three-character codes for
ICBs). The mix of councils is England's: 21 counties (E10), 36
metropolitan boroughs (E08), 33 London boroughs with the City (E09) and 63
unitaries (E06). Most areas have one board; 15 have two and 3 have three,
as where a council's boundary crosses boards' (North Yorkshire's plan, for
one, is signed by three).

Also written: ``scenario_uncertain.yaml``, one uncertainty section for every
area (care fee and pay inflation, winter admissions), so every area moves
with the same drivers on each path.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pooledfund.core.money import allocate, pounds_float

AREAS = 153
ICBS = 42
SEED = 2025
YEAR = "2025-26"

#: 2025-26 national totals in pence (NHS England, BCF planning requirements 2025-26).
NHS_MINIMUM = 5_614_000_000 * 100
LA_BETTER_CARE_GRANT = 2_640_000_000 * 100
DFG = 711_000_000 * 100

#: How many councils of each GSS series, England's mix of upper-tier authorities.
COUNCIL_SERIES = (("E10", "county_council", 21), ("E08", "unitary_council", 36), ("E09", "unitary_council", 33),
                  ("E06", "unitary_council", 63))

#: What the NHS minimum, the grant and the DFG pay for in each area: (scheme type, commissioner, share %,
#: cost category, demand driver). Shares are of the source's money in the area.
NHS_SCHEMES = (("home_based_intermediate_care", "icb", 30, "pay", "hospital_discharges"),
               ("urgent_community_response", "icb", 15, "pay", "non_elective_admissions"),
               ("home_care_or_domiciliary_care", "council", 25, "care_fees", "hospital_discharges"),
               ("residential_placements", "council", 20, "care_fees", "care_home_admissions"),
               ("carers_services", "joint", 10, "other", None))
GRANT_SCHEMES = (("home_care_or_domiciliary_care", "council", 45, "care_fees", None),
                 ("residential_placements", "council", 35, "care_fees", "care_home_admissions"),
                 ("workforce_recruitment_and_retention", "council", 20, "pay", None))


def area_sizes(rng: np.random.Generator) -> list[int]:
    """A relative size for each area: a population-like lognormal, in whole people."""
    return [int(v) for v in np.round(rng.lognormal(mean=np.log(330_000), sigma=0.55, size=AREAS))]


def councils() -> list[tuple[str, str]]:
    """Each area's council: (invented GSS code, kind), in England's mix of series."""
    found = []
    for series, kind, count in COUNCIL_SERIES:
        found += [(f"{series}9{number:05d}", kind) for number in range(1, count + 1)]
    return found


def boards_of(area: int) -> list[int]:
    """The boards (0 to 41) serving an area: consecutive areas share a board; some areas have two or three."""
    board = area * ICBS // AREAS
    if area % 50 == 7:  # 3 areas on three boards
        return sorted({board, (board + 1) % ICBS, (board + 2) % ICBS})
    if area % 10 == 3:  # 16 areas on two boards
        return sorted({board, (board + 1) % ICBS})
    return [board]


def _schemes(prefix: str, total: int, plan: tuple[tuple[str, str, int, str, str | None], ...],
             source: str, commissioners: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemes one source pays for in an area, their budgets summing to ``total`` pence exactly."""
    budgets = allocate(total, [share for _, _, share, _, _ in plan])
    rows = []
    for number, ((scheme_type, who, _, category, driver), pence) in enumerate(zip(plan, budgets, strict=True)):
        rows.append({
            "id": f"{prefix}{number + 1:02d}", "name": f"{scheme_type.replace('_', ' ').capitalize()} ({prefix})",
            "scheme_type": scheme_type, "area_of_spend": "social_care" if who != "icb" else "community_health",
            "commissioner": commissioners[who], "provider": "private_sector" if who != "icb" else "nhs_community",
            "funding_source": source, "cost_category": category,
            "cost_drivers": [{"driver": driver, "elasticity": 0.6}] if driver else [],
            "budget": {YEAR: pounds_float(pence)},
        })
    return rows


def agreement_data(area: int, council: tuple[str, str], boards: list[int], nhs: list[int], grant: int,
                   dfg: int) -> dict[str, Any]:
    """One area's agreement: the council and its boards, a pooled fund balanced source by source."""
    code, kind = council
    partners = [{"id": "council", "name": f"Area {area + 1:03d} Council", "kind": kind, "vat": "council_s33",
                 "gss_code": code}]
    partners += [{"id": f"icb{board + 1:02d}", "name": f"NHS Integrated Care Board {board + 1:02d}",
                  "kind": "integrated_care_board", "vat": "nhs_limited_recovery", "ods_code": f"X{board + 1:02d}"}
                 for board in boards]
    icb_ids = [p["id"] for p in partners[1:]]
    lead_icb = icb_ids[0]
    joint = {"council": 50, lead_icb: 50}
    commissioners = {"icb": lead_icb, "council": "council", "joint": joint}
    contributions = [{"partner": icb, "year": YEAR, "source": "nhs_minimum", "cash": pounds_float(pence)}
                     for icb, pence in zip(icb_ids, nhs, strict=True)]
    contributions += [{"partner": "council", "year": YEAR, "source": "local_authority_better_care_grant",
                       "cash": pounds_float(grant)},
                      {"partner": "council", "year": YEAR, "source": "dfg", "cash": pounds_float(dfg)}]
    schemes = _schemes("N", sum(nhs), NHS_SCHEMES, "nhs_minimum", commissioners)
    schemes += _schemes("G", grant, GRANT_SCHEMES, "local_authority_better_care_grant", commissioners)
    schemes.append({"id": "D01", "name": "Disabled facilities grants", "scheme_type": "dfg_related_schemes",
                    "area_of_spend": "social_care", "commissioner": "council", "provider": "la",
                    "funding_source": "dfg", "budget": {YEAR: pounds_float(dfg)}})
    return {
        "agreement": {"id": f"bcf-area-{area + 1:03d}", "title": f"Area {area + 1:03d} Better Care Fund 2025-26 "
                      "(invented area)", "years": [YEAR], "host_partner": "council"},
        "partners": partners,
        "arrangements": [{"id": "bcf_pool", "kind": "pooled_fund", "name": "Better Care Fund pool",
                          "contributions": contributions, "schemes": schemes,
                          "risk_share": [{"layer": "proportional"}],
                          "underspend": [{"rule": "return_proportional"}]}],
        "assumptions": {"reference": "Invented: the 2025-26 uplifts a plan would budget for",
                        "inflation": {"care_fees": {YEAR: 5.5}, "pay": {YEAR: 3.6}}},
    }


UNCERTAIN_SCENARIO = {
    "scenario": {"id": "england_uncertain", "name": "England: uncertain fees, pay and winter admissions"},
    "uncertainty": {
        "drivers": [
            {"id": "care_fee_inflation", "type": "inflation", "key": "care_fees",
             "distribution": {"kind": "normal", "mean": 5.5, "sd": 1.5}},
            {"id": "pay_award", "type": "inflation", "key": "pay",
             "distribution": {"kind": "pert", "min": 2.5, "mode": 3.6, "max": 6.5}},
            {"id": "winter_admissions", "type": "demand", "key": "non_elective_admissions",
             "from": "2025-10-01", "distribution": {"kind": "triangular", "min": -4, "mode": 0, "max": 12}},
        ],
        "correlation": {"drivers": ["care_fee_inflation", "pay_award"], "matrix": [[1.0, 0.6], [0.6, 1.0]]},
    },
}


def england() -> list[dict[str, Any]]:
    """The 153 agreements, in area order."""
    rng = np.random.default_rng(SEED)
    sizes = area_sizes(rng)
    nhs_areas = allocate(NHS_MINIMUM, sizes)
    grant_areas = allocate(LA_BETTER_CARE_GRANT, sizes)
    dfg_areas = allocate(DFG, sizes)
    result = []
    for area, council in enumerate(councils()):
        boards = boards_of(area)
        nhs = allocate(nhs_areas[area], [3] + [1] * (len(boards) - 1))  # the lead board serves most of the area
        result.append(agreement_data(area, council, boards, nhs, grant_areas[area], dfg_areas[area]))
    return result


def write_england(folder: Path, force: bool = False) -> Path:
    """Write the agreements into ``folder/areas/`` and the shared scenario beside it; return the areas folder."""
    if folder.exists():
        if not force:
            raise SystemExit(f"{folder} exists; give a new folder or --force")
        shutil.rmtree(folder)
    areas = folder / "areas"
    areas.mkdir(parents=True)
    for data in england():
        name = f"{data['agreement']['id']}.yaml"
        (areas / name).write_text(yaml.safe_dump(data, sort_keys=False, width=120), encoding="utf-8")
    (folder / "scenario_uncertain.yaml").write_text(yaml.safe_dump(UNCERTAIN_SCENARIO, sort_keys=False),
                                                    encoding="utf-8")
    return areas


def main() -> None:
    """Write the files and print the national totals they add up to."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--force", action="store_true", help="replace the folder")
    args = parser.parse_args()
    areas = write_england(args.folder, args.force)
    print(f"{AREAS} agreements written to {areas}/ and the uncertain scenario to {args.folder}/scenario_uncertain.yaml")
    print(f"NHS minimum £{NHS_MINIMUM // 100:,}, LA Better Care Grant £{LA_BETTER_CARE_GRANT // 100:,}, "
          f"DFG £{DFG // 100:,} (each split to the penny)")


if __name__ == "__main__":
    sys.exit(main())
