"""Agreement files for the dashboard's Several agreements tests: bundled examples changed in one place each."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NORTHMOOR = "examples/bcf_northmoor.yaml"
TWO_TIER = "examples/bcf_two_tier_2025_26.yaml"
LD = "examples/ld_pooled_budget.yaml"
MOORLAND_ICB = "NHS Moorland and Dales Integrated Care Board"


def example_bytes(name: str) -> bytes:
    """A bundled example's bytes, as the dashboard reads it."""
    return (ROOT / name).read_bytes()


def _changed(name: str, *changes: tuple[str, str]) -> bytes:
    text = example_bytes(name).decode("utf-8")
    for old, new in changes:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def shared_icb_two_tier() -> bytes:
    """The two-tier county whose second ICB is Northmoor's (ODS Q99, same name): one body in both agreements."""
    return _changed(TWO_TIER, ("    name: NHS Marches and Vale Integrated Care Board\n    ods_code: Q97\n",
                               f"    name: {MOORLAND_ICB}\n    ods_code: Q99\n"))


def renamed_council_copy() -> bytes:
    """Northmoor under its own agreement id, its council's GSS code E06999001 given another name (line 36)."""
    return _changed(NORTHMOOR, ("  id: bcf-northmoor\n", "  id: bcf-northmoor-copy\n"),
                    ("    name: Northmoor Borough Council\n", "    name: Northmoor Metropolitan Council\n"))


def independent_copy() -> bytes:
    """Northmoor under its own id with its own bodies (new codes and names): a second area, nothing shared."""
    return _changed(NORTHMOOR, ("  id: bcf-northmoor\n", "  id: bcf-southmoor\n"),
                    ("    name: Northmoor Borough Council\n    gss_code: E06999001\n",
                     "    name: Southmoor Borough Council\n    gss_code: E06999009\n"),
                    (f"    name: {MOORLAND_ICB}\n    ods_code: Q99\n",
                     "    name: NHS Southmoor Integrated Care Board\n    ods_code: Q95\n"))


def moorland_ld() -> bytes:
    """The learning disability pool (2025-28) under its own id, its ICB Northmoor's (ODS Q99, the same name).

    With Northmoor (2025-27) the ICB is one body in two agreements, only one of which runs in 2027-28; with
    the bundled pool the county council (E10999002, the same name) is one body in two.
    """
    return _changed(LD, ("  id: wealdham-ld\n", "  id: moorland-ld\n"),
                    ("    name: NHS Wealdham and Downs Integrated Care Board\n    ods_code: Q96\n",
                     f"    name: {MOORLAND_ICB}\n    ods_code: Q99\n"))
