"""Shared agreements and helpers for the tests of pooledfund.uncertainty.

``PROPORTIONAL_POOL``: a one-year £1,200,000 pool (£100,000 a month of care
fees), council £480,000 (40%) and ICB £720,000 (60%), no risk pool; an
overspend is shared and an underspend returned in proportion to
contributions. With care fee inflation x% (none budgeted) spend is
£1,200,000 x (1 + x/100), so the variance is £12,000 x and the council's
net cost is £480,000 + 40% x £12,000 x = £480,000 + £4,800 x.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import PARTNERS_YAML, load_agreement_text

from pooledfund.model.agreement import Agreement

ROOT = Path(__file__).resolve().parent.parent

PROPORTIONAL_POOL = f"""\
agreement:
  id: prop
  title: Proportional pool
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, source: additional_la, cash: 480000}}
      - {{partner: icb, year: 2025-26, source: nhs_minimum, cash: 720000}}
    schemes:
      - id: S1
        name: Care home placements
        scheme_type: residential_placements
        area_of_spend: social_care
        commissioner: council
        provider: private_sector
        funding_source: nhs_minimum
        cost_category: care_fees
        cost_drivers: [{{driver: care_home_admissions, elasticity: 1}}]
        budget: {{2025-26: 1200000}}
    risk_share:
      - {{layer: proportional}}
    underspend:
      - rule: return_proportional
"""


def proportional_pool(folder: Path) -> Agreement:
    """The agreement in the module docstring."""
    return load_agreement_text(PROPORTIONAL_POOL, folder, "prop.yaml")


def write(folder: Path, name: str, text: str) -> Path:
    """Write dedented YAML text to ``folder/name`` and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
