"""The pack's native bar charts, rebuilt with XlsxWriter's chart API from the same cell references.

Each openpyxl bar or column chart becomes an XlsxWriter chart of the same
kind and grouping (clustered, stacked, 100% stacked), with the same series
(name, values and categories as references into the sheet, so the chart
follows the live formulas), title, axis titles and number formats, legend
position, gap and overlap, size and anchor cell. Any other kind of chart,
or a series given as literal values, is refused rather than dropped.
"""

from __future__ import annotations

from typing import Any

from openpyxl.chart import BarChart
from openpyxl.chart.axis import _BaseAxis
from openpyxl.chart.title import Title
from openpyxl.utils import column_index_from_string
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.workbook import Workbook as XlsxBook
from xlsxwriter.worksheet import Worksheet as XlsxSheet

from pooledfund.core.errors import PooledfundError
from pooledfund.io.excel.cells import quote

#: Screen pixels per centimetre (96 per inch), the unit XlsxWriter sizes charts in.
PIXELS_PER_CM = 96 / 2.54
EMU_PER_PIXEL = 9525
LEGEND = {"r": "right", "l": "left", "t": "top", "b": "bottom", "tr": "top_right"}
SUBTYPES = {"stacked": "stacked", "percentStacked": "percent_stacked"}


def title_text(title: Title | str | None) -> str | None:
    """The plain text of a chart or axis title (None when there is none)."""
    if title is None:
        return None
    if isinstance(title, str):
        return title
    rich = title.tx.rich if title.tx is not None else None
    if rich is None:
        return None
    lines = ["".join(run.t or "" for run in (paragraph.r or [])) for paragraph in rich.p]
    return "\n".join(lines)


def _axis(axis: _BaseAxis) -> dict[str, Any]:
    options: dict[str, Any] = {}
    name = title_text(axis.title)
    if name:
        options["name"] = name
    if axis.numFmt is not None and axis.numFmt.formatCode:
        options["num_format"] = axis.numFmt.formatCode
    options["major_gridlines"] = {"visible": axis.majorGridlines is not None}
    if axis.delete:
        options["visible"] = False
    scaling = axis.scaling
    if scaling is not None:
        if scaling.min is not None:
            options["min"] = scaling.min
        if scaling.max is not None:
            options["max"] = scaling.max
        if scaling.orientation == "maxMin":
            options["reverse"] = True
    return options


def _series(sheet: Worksheet, chart: BarChart) -> list[dict[str, Any]]:
    found = []
    for index, series in enumerate(chart.series, start=1):
        where = f"sheet {quote(sheet.title)}: series {index} of the chart {title_text(chart.title)!r}"
        if series.val is None or series.val.numRef is None:
            raise PooledfundError(f"{where} has no cell range for its values; the pack's writer copies charts "
                                  "drawn from cells only")
        options: dict[str, Any] = {"values": "=" + series.val.numRef.f}
        if series.cat is not None:
            reference = series.cat.strRef or series.cat.numRef
            if reference is None:
                raise PooledfundError(f"{where} has categories that are not a cell range")
            options["categories"] = "=" + reference.f
        if series.tx is not None:
            options["name"] = "=" + series.tx.strRef.f if series.tx.strRef is not None else series.tx.v
        if chart.gapWidth is not None:
            options["gap"] = int(chart.gapWidth)
        if chart.overlap is not None:
            options["overlap"] = int(chart.overlap)
        found.append(options)
    return found


def _anchor(chart: BarChart) -> tuple[int, int, int, int]:
    """Row, column (0-based) and pixel offsets of the chart's top-left corner."""
    anchor = chart.anchor
    if isinstance(anchor, str):
        letters, row = coordinate_from_string(anchor)
        return row - 1, column_index_from_string(letters) - 1, 0, 0
    marker = anchor._from
    return (int(marker.row), int(marker.col), int(marker.colOff) // EMU_PER_PIXEL,
            int(marker.rowOff) // EMU_PER_PIXEL)


def copy_charts(sheet: Worksheet, book: XlsxBook, out: XlsxSheet) -> None:
    """Rebuild every chart of ``sheet`` on ``out``."""
    for chart in sheet._charts:  # openpyxl keeps a sheet's charts here; there is no public list
        if not isinstance(chart, BarChart):
            raise PooledfundError(f"sheet {quote(sheet.title)} has a {type(chart).__name__}; the pack's writer "
                                  "copies bar and column charts only")
        kind = "column" if chart.type == "col" else "bar"
        spec: dict[str, Any] = {"type": kind}
        if chart.grouping in SUBTYPES:
            spec["subtype"] = SUBTYPES[chart.grouping]
        made = book.add_chart(spec)
        if made is None:
            raise PooledfundError(f"sheet {quote(sheet.title)}: XlsxWriter refused a {kind} chart")
        for options in _series(sheet, chart):
            made.add_series(options)
        name = title_text(chart.title)
        made.set_title({"name": name} if name else {"none": True})
        # openpyxl's x axis is the category axis and its y axis the values; XlsxWriter's bar chart
        # (horizontal bars) calls its horizontal value axis x.
        categories, values = _axis(chart.x_axis), _axis(chart.y_axis)
        if kind == "bar":
            made.set_x_axis(values)
            made.set_y_axis(categories)
        else:
            made.set_x_axis(categories)
            made.set_y_axis(values)
        if chart.legend is None:
            made.set_legend({"none": True})
        else:
            made.set_legend({"position": LEGEND.get(chart.legend.position or "r", "right")})
        made.set_size({"width": round(chart.width * PIXELS_PER_CM), "height": round(chart.height * PIXELS_PER_CM)})
        row, col, x_offset, y_offset = _anchor(chart)
        out.insert_chart(row, col, made, {"x_offset": x_offset, "y_offset": y_offset, "object_position": 2})
