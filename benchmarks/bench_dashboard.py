"""Time the dashboard's rerun after a slider moves, on the bundled BCF example.

Run: python benchmarks/bench_dashboard.py [--repeats 9]

Prints, as medians (and the slowest) over different slider values, so that
every model run is a cache miss:

* the model part of the rerun: the what-if scenario built and validated from
  the slider values, the engine run, and every table, check, explanation and
  the JSON gathered into ModelOutputs (what ``st.cache_data`` stores);
* the six plotly figures built from those outputs;
* a cache hit (ModelOutputs unpickled, as ``st.cache_data`` returns it);
* the whole script rerun in Streamlit's AppTest after moving the slider
  (model, figures, widgets and the page description; no browser).

Target: the model part under 300 ms.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pooledfund.dashboard.data import ModelOutputs, build_outputs
from pooledfund.dashboard.figures import (
    cumulative_spend,
    host_cash_position,
    money_flow_waterfall,
    risk_share_waterfall,
    scenario_comparison,
    spend_by_scheme_type,
)
from pooledfund.dashboard.whatif import AdhocSettings, adhoc_scenario, apply_adhoc
from pooledfund.io.loader import load_agreement
from pooledfund.model.scenario import BASE

ROOT = Path(__file__).resolve().parent.parent

YEAR = "2025-26"
TARGET_MS = 300


def _ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:7.1f} ms   slowest {max(seconds) * 1000:7.1f} ms"


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9, help="slider positions to time (each a cache miss)")
    args = parser.parse_args()

    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert agreement is not None, errors
    base, _ = build_outputs(agreement, BASE)  # warm imports; the base run is cached in the app
    positions = [0.5 * (i + 1) for i in range(args.repeats)]

    model_times: list[float] = []
    figure_times: list[float] = []
    hit_times: list[float] = []
    for points in positions:
        def model(points: float = points) -> ModelOutputs:
            adhoc, problems = adhoc_scenario(AdhocSettings(inflation_points=points), agreement, BASE)
            assert not problems
            return build_outputs(agreement, apply_adhoc(BASE, adhoc))[0]

        seconds, outputs = timed(model)
        model_times.append(seconds)
        assert isinstance(outputs, ModelOutputs)

        def figures(outputs: ModelOutputs = outputs) -> list[object]:
            return [money_flow_waterfall(outputs, YEAR), risk_share_waterfall(outputs, YEAR, "bcf_pool"),
                    scenario_comparison([base, outputs], YEAR), cumulative_spend(outputs, YEAR),
                    host_cash_position(outputs, YEAR), spend_by_scheme_type(outputs)]

        figure_times.append(timed(figures)[0])
        stored = pickle.dumps(outputs)
        hit_times.append(timed(lambda stored=stored: pickle.loads(stored))[0])

    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.run()
    assert not app.exception
    rerun_times = []
    for points in positions:
        app.slider(key="adhoc_inflation").set_value(-points)
        rerun_times.append(timed(app.run)[0])
        assert not app.exception

    print(f"Dashboard rerun after a slider move, examples/bcf_northmoor.yaml ({len(positions)} slider positions)")
    print(f"  model part (what-if scenario + engine run + outputs), cache miss   {_ms(model_times)}")
    print(f"  six plotly figures from the outputs                                {_ms(figure_times)}")
    print(f"  cache hit (outputs unpickled by st.cache_data)                     {_ms(hit_times)}")
    print(f"  whole script rerun in AppTest (model + figures + page)             {_ms(rerun_times)}")
    verdict = "meets" if statistics.median(model_times) * 1000 < TARGET_MS else "MISSES"
    print(f"Target: model part < {TARGET_MS} ms: {verdict} the target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
