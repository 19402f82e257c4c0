"""The XlsxWriter copy of an openpyxl document keeps everything the pack (or its print layout) may use.

Each test builds a small openpyxl document, writes it with
``pooledfund.io.excel.xlsx_writer`` and reads the bytes back with openpyxl,
so a feature lost in the copy fails here rather than in a board paper.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, GradientFill, PatternFill, Side
from openpyxl.styles.colors import Color
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image as Picture

from pooledfund.core.errors import PooledfundError
from pooledfund.io.excel.cells import Expectations, Expected, write_text_cell
from pooledfund.io.excel.xlsx_formats import colour
from pooledfund.io.excel.xlsx_writer import xlsx_bytes

HOSTILE = ["=1+1", "+cmd", "@SUM(A1)", "-2+3", "=HYPERLINK(\"http://example.org\")"]


def _round_trip(workbook: Workbook, expectations: Expectations | None = None) -> tuple[bytes, Workbook]:
    data = xlsx_bytes(workbook, expectations or Expectations())
    return data, load_workbook(io.BytesIO(data))


def _sheet_xml(data: bytes, index: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_values_of_every_kind_come_back_as_written() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Values"
    ws["A1"] = "plain text"
    ws["A2"] = 42
    ws["A3"] = 1234.56
    ws["A4"] = True
    ws["A5"] = dt.date(2025, 4, 1)
    ws["A5"].number_format = "d mmm yyyy"
    ws["A6"] = "line one\nline two"
    ws["A7"] = "\rstarts with a return"
    ws["B1"].fill = PatternFill("solid", fgColor="FFF2CC")  # an empty cell that only has a fill
    _, back = _round_trip(workbook)
    read = back["Values"]
    assert [read[f"A{r}"].value for r in range(1, 5)] == ["plain text", 42, 1234.56, True]
    assert read["A5"].value == dt.datetime(2025, 4, 1) and read["A5"].number_format == "d mmm yyyy"
    assert read["A6"].value == "line one\nline two"
    # a carriage return is saved as the line feed every reader got back before (XML normalises it)
    assert read["A7"].value == "\nstarts with a return"
    assert read["B1"].value is None and read["B1"].fill.fgColor.rgb == "FFFFF2CC"


def test_a_formula_is_saved_with_its_expected_figure_money_number_and_text() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Sums"
    ws["A1"], ws["A2"] = 1000.10, 234.46
    ws["A3"] = "=A1+A2"
    ws["A4"] = "=COUNT(A1:A2)"
    ws["A5"] = '=IF(A3>1000,"Pass","Fail")'
    # 1,000.10 + 234.46 = 1,234.56: 123,456 pence; COUNT gives 2; 1,234.56 > 1,000 so "Pass"
    expectations = Expectations({("Sums", "A3"): Expected("money", 123_456), ("Sums", "A4"): Expected("number", 2.0),
                                 ("Sums", "A5"): Expected("text", "Pass")})
    data, back = _round_trip(workbook, expectations)
    assert [back["Sums"][c].value for c in ("A3", "A4", "A5")] == ["=A1+A2", "=COUNT(A1:A2)",
                                                                   '=IF(A3>1000,"Pass","Fail")']
    saved = load_workbook(io.BytesIO(data), data_only=True)["Sums"]
    assert [saved[c].value for c in ("A3", "A4", "A5")] == [1234.56, 2, "Pass"]


def test_a_formula_without_an_expected_figure_is_refused_with_its_cell() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Risk share"
    ws["C7"] = "=1+2"
    with pytest.raises(PooledfundError, match=r"'Risk share'!C7: the formula =1\+2 has no figure recorded"):
        xlsx_bytes(workbook, Expectations())


def test_hostile_text_stays_text_everywhere_it_can_be_written() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Text"
    for row, value in enumerate(HOSTILE, start=1):
        write_text_cell(ws.cell(row=row, column=1), value)  # escaped as the pack writes text: quote prefix
    ws["B1"] = "+cmd"  # plain openpyxl text (only "=" makes openpyxl a formula): still text
    write_text_cell(ws["C1"], "=1+1")
    write_text_cell(ws["D1"], "@SUM(A1)")
    ws["C2"], ws["D2"] = 1, 2
    ws.add_table(Table(displayName="Hostile", ref="C1:D2"))  # table headings that look like formulas
    write_text_cell(ws["F1"], "=2+2")
    ws.merge_cells("F1:G1")
    write_text_cell(ws["A9"], "@link")
    ws["A9"].hyperlink = "#'Text'!A1"
    ws["A10"] = "comment below"
    ws["A10"].comment = Comment("=1+1 is not a formula here", "Tester")
    data, back = _round_trip(workbook)
    read = back["Text"]
    for row, value in enumerate(HOSTILE, start=1):
        cell = read.cell(row=row, column=1)
        assert cell.value == value and cell.data_type == "s" and cell.quotePrefix, value
    assert read["B1"].value == "+cmd" and read["B1"].data_type == "s"
    assert read["C1"].value == "=1+1" and read["C1"].data_type == "s"
    assert read["F1"].value == "=2+2" and read["F1"].data_type == "s"
    assert read["A9"].value == "@link" and read["A10"].comment.text == "=1+1 is not a formula here"
    assert "<f>" not in _sheet_xml(data)  # not one formula was written
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        table = archive.read("xl/tables/table1.xml").decode()
    assert 'name="=1+1"' in table and 'name="@SUM(A1)"' in table


def test_fonts_fills_borders_alignment_and_number_formats_are_copied() -> None:
    workbook = Workbook()
    ws = workbook.active
    cell = ws["B2"]
    cell.value = -1234.5
    cell.font = Font(name="Arial", size=9, bold=True, italic=True, underline="single", color="9C0006")
    cell.fill = PatternFill("solid", fgColor="1F3864")
    side = Side(style="thin", color="8EA9DB")
    cell.border = Border(left=side, right=Side(style="medium"), top=side, bottom=Side(style="double"))
    cell.alignment = Alignment(horizontal="right", vertical="top", wrap_text=True, indent=1, text_rotation=45)
    cell.number_format = '£#,##0.00;(£#,##0.00);£0.00'
    ws["C2"].fill = PatternFill("darkGrid", fgColor="FF0000", bgColor="00FF00")
    ws["D2"].font = Font(color=Color(theme=4, tint=0.4))
    _, back = _round_trip(workbook)
    read = back.active["B2"]
    assert (read.font.name, read.font.sz, read.font.b, read.font.i, read.font.u) == ("Arial", 9, True, True, "single")
    assert read.font.color.rgb == "FF9C0006"
    assert read.fill.fill_type == "solid" and read.fill.fgColor.rgb == "FF1F3864"
    assert (read.border.left.style, read.border.left.color.rgb) == ("thin", "FF8EA9DB")
    assert (read.border.right.style, read.border.bottom.style) == ("medium", "double")
    assert (read.alignment.horizontal, read.alignment.vertical, read.alignment.wrap_text) == ("right", "top", True)
    assert (read.alignment.indent, read.alignment.text_rotation) == (1, 45)
    assert read.number_format == '£#,##0.00;(£#,##0.00);£0.00'
    pattern = back.active["C2"].fill
    assert (pattern.fill_type, pattern.fgColor.rgb, pattern.bgColor.rgb) == ("darkGrid", "FFFF0000", "FF00FF00")
    # Accent 1 (4F81BD) lightened 40%: luminance 0.5255 -> 0.5255 x 0.6 + 0.4 = 0.7153 at the same hue and
    # saturation, which is RGB (149, 179, 215): Excel's "Blue, Accent 1, Lighter 40%".
    assert back.active["D2"].font.color.rgb == "FF95B3D7"


def test_colours_theme_indexed_and_unset() -> None:
    assert colour(Color(theme=1)) == "#000000"
    assert colour(Color(theme=1), default_theme=1) is None  # the default text colour is left to the default
    assert colour(Color(indexed=2)) == "#FF0000"
    assert colour(Color(indexed=64)) is None  # the system foreground: automatic
    assert colour(Color(rgb="00000000")) is None  # openpyxl's "no colour"
    with pytest.raises(PooledfundError, match="theme colour 12"):
        colour(Color(theme=12))


def test_one_format_per_distinct_style_however_many_cells() -> None:
    workbook = Workbook()
    ws = workbook.active
    for row in range(1, 2001):
        ws.cell(row=row, column=1, value=row).font = Font(bold=True)
        ws.cell(row=row, column=2, value=row).number_format = "0.00"
    data, _ = _round_trip(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = archive.read("xl/styles.xml").decode()
    assert re.search(r'<cellXfs count="(\d+)"', styles).group(1) == "3"  # default, bold, 0.00


def test_widths_heights_hidden_and_grouped_rows_and_columns() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws["A1"] = "x"
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = 17
    ws.column_dimensions["C"].hidden = True
    ws.column_dimensions.group("D", "F", outline_level=1, hidden=True)
    ws.row_dimensions[3].height = 45
    ws.row_dimensions[4].hidden = True
    for row in (6, 7, 8):
        ws.row_dimensions[row].outlineLevel = 1
        ws.row_dimensions[row].hidden = True
    ws.row_dimensions[9].collapsed = True
    ws.sheet_properties.outlinePr.summaryBelow = False
    _, back = _round_trip(workbook)
    read = back.active
    # the same width Excel stores: 46 characters is 322 pixels at 7 a character, written back as 46
    assert read.column_dimensions["A"].width == pytest.approx(46, abs=1 / 7)
    assert read.column_dimensions["B"].width == pytest.approx(17, abs=1 / 7)
    assert read.column_dimensions["C"].hidden
    grouped = read.column_dimensions["D"]
    assert (grouped.min, grouped.max, grouped.outlineLevel, grouped.hidden) == (4, 6, 1, True)
    assert read.row_dimensions[3].height == 45 and read.row_dimensions[4].hidden
    assert [read.row_dimensions[r].outlineLevel for r in (6, 7, 8)] == [1, 1, 1]
    assert all(read.row_dimensions[r].hidden for r in (6, 7, 8)) and read.row_dimensions[9].collapsed
    assert read.sheet_properties.outlinePr.summaryBelow is False


def test_merged_cells_frozen_panes_tables_and_defined_names() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Plan"
    ws["B10"] = "Fail (as exported): a sentence across the columns"
    ws.merge_cells("B10:G10")
    ws.freeze_panes = "C5"
    for col, heading in enumerate(["Year", "Partner", "Net cost"], start=1):
        ws.cell(row=4, column=col, value=heading)
    ws["A5"], ws["B5"], ws["C5"] = "2025-26", "Council", 10.5
    ws.add_table(Table(displayName="Positions", ref="A4:C5",
                       tableStyleInfo=TableStyleInfo(name="TableStyleLight9", showRowStripes=True)))
    workbook.defined_names["pf_pool_cap_icb"] = DefinedName("pf_pool_cap_icb", attr_text="'Plan'!$C$5")
    ws.defined_names["local_name"] = DefinedName("local_name", attr_text="'Plan'!$A$5")
    _, back = _round_trip(workbook)
    read = back["Plan"]
    assert [str(r) for r in read.merged_cells.ranges] == ["B10:G10"]
    assert read["B10"].value == "Fail (as exported): a sentence across the columns"
    assert read.freeze_panes == "C5"
    table = read.tables["Positions"]
    assert table.ref == "A4:C5" and table.tableStyleInfo.name == "TableStyleLight9"
    assert table.tableStyleInfo.showRowStripes and table.autoFilter is not None
    assert [c.name for c in table.tableColumns] == ["Year", "Partner", "Net cost"]
    assert back.defined_names["pf_pool_cap_icb"].attr_text == "'Plan'!$C$5"
    assert read.defined_names["local_name"].attr_text == "'Plan'!$A$5"


def test_links_comments_data_validation_and_conditional_formats() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Checks"
    ws["A1"] = "Summary"
    ws["A1"].hyperlink = "#'Checks'!B2"
    ws["A1"].style = "Hyperlink"
    ws["A2"] = "Guidance"
    ws["A2"].hyperlink = "https://www.gov.uk/"
    ws["B2"] = 5
    ws["B2"].comment = Comment("An input", "pooledfund")
    listed = DataValidation(type="list", formula1='"cash,total"', allow_blank=True)
    listed.add("C2:C9")
    whole = DataValidation(type="whole", operator="between", formula1="0", formula2="100",
                           error="0 to 100", errorTitle="Percent", showErrorMessage=True)
    whole.add("D2:D9")
    ws.add_data_validation(listed)
    ws.add_data_validation(whole)
    ws.conditional_formatting.add("F5:F9", CellIsRule(operator="equal", formula=['"Pass"'],
                                                      fill=PatternFill(bgColor="C6EFCE", fill_type="solid"),
                                                      font=Font(color="006100", bold=True)))
    ws.conditional_formatting.add("G5:G9", FormulaRule(formula=["G5>100"], fill=PatternFill(bgColor="FFC7CE")))
    _, back = _round_trip(workbook)
    read = back["Checks"]
    assert read["A1"].hyperlink.location == "'Checks'!B2" and read["A1"].value == "Summary"
    assert read["A1"].font.u == "single"  # XlsxWriter's own link style: blue, underlined
    assert read["A2"].hyperlink.target == "https://www.gov.uk/"
    assert read["B2"].comment.text == "An input" and read["B2"].comment.author == "pooledfund"
    validations = {str(v.sqref): v for v in read.data_validations.dataValidation}
    assert validations["C2:C9"].type == "list" and validations["C2:C9"].formula1 == '"cash,total"'
    number = validations["D2:D9"]
    # "between" is OOXML's default operator, so it is left out and read back as None
    assert (number.type, number.operator, number.formula1, number.formula2) == ("whole", None, "0", "100")
    assert (number.error, number.errorTitle) == ("0 to 100", "Percent")
    rules = {str(cf.sqref): cf.rules for cf in read.conditional_formatting}
    passed = rules["F5:F9"][0]
    assert (passed.type, passed.operator, passed.formula) == ("cellIs", "equal", ['"Pass"'])
    assert passed.dxf.fill.bgColor.rgb == "FFC6EFCE" and passed.dxf.font.color.rgb == "FF006100"
    assert passed.dxf.font.b
    over = rules["G5:G9"][0]
    assert (over.type, over.formula) == ("expression", ["G5>100"])
    assert over.dxf.fill.bgColor.rgb == "FFFFC7CE"


def test_print_setup_fit_to_width_margins_titles_breaks_and_footer() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Risk share"
    ws["A1"] = "x"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.5, 0.6
    ws.page_margins.header, ws.page_margins.footer = 0.2, 0.25
    ws.print_title_rows = "1:3"
    ws.print_title_cols = "A:B"
    ws.print_area = "A1:H200"
    ws.row_breaks.append(Break(id=40))
    ws.row_breaks.append(Break(id=90))
    ws.col_breaks.append(Break(id=5))
    ws.oddFooter.center.text = "&A - page &P of &N"
    ws.oddFooter.center.size = 8
    ws.oddHeader.right.text = "Sign-off pack"
    second = workbook.create_sheet("Scaled")
    second["A1"] = "y"
    second.page_setup.scale = 80
    second.page_setup.orientation = "portrait"
    second.print_options.verticalCentered = True
    _, back = _round_trip(workbook)
    read = back["Risk share"]
    setup = read.page_setup
    assert (int(setup.paperSize), setup.orientation, setup.fitToHeight) == (9, "landscape", 0)
    assert setup.fitToWidth in (None, 1) and read.sheet_properties.pageSetUpPr.fitToPage  # 1 is OOXML's default
    assert read.print_options.horizontalCentered and read.print_options.gridLines
    margins = read.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 0.5, 0.6)
    assert (margins.header, margins.footer) == (0.2, 0.25)
    assert read.print_title_rows == "$1:$3" and read.print_title_cols == "$A:$B"
    assert read.print_area == "'Risk share'!$A$1:$H$200"
    assert [b.id for b in read.row_breaks.brk] == [40, 90] and [b.id for b in read.col_breaks.brk] == [5]
    assert (read.oddFooter.center.text, read.oddFooter.center.size) == ("&A - page &P of &N", 8)
    assert read.oddHeader.right.text == "Sign-off pack"
    scaled = back["Scaled"]
    assert scaled.page_setup.scale == 80 and scaled.page_setup.orientation == "portrait"
    assert scaled.print_options.verticalCentered and not scaled.sheet_properties.pageSetUpPr.fitToPage


def test_sheet_tab_colour_visibility_zoom_active_sheet_and_document_properties() -> None:
    workbook = Workbook()
    workbook.active.title = "Cover"
    summary = workbook.create_sheet("Summary")
    summary.sheet_properties.tabColor = "1F3864"
    summary.sheet_view.zoomScale = 85
    hidden = workbook.create_sheet("Working")
    hidden.sheet_state = "hidden"
    secret = workbook.create_sheet("Lists")
    secret.sheet_state = "veryHidden"
    workbook.active = 1
    workbook.properties.title = "Health and Wellbeing Board sign-off pack - Northmoor"
    workbook.properties.creator = "pooledfund 0.1.0"
    workbook.properties.subject = "Better Care Fund"
    _, back = _round_trip(workbook)
    assert back.sheetnames == ["Cover", "Summary", "Working", "Lists"]
    assert back.active.title == "Summary"
    assert back["Summary"].sheet_properties.tabColor.rgb == "FF1F3864"
    assert back["Summary"].sheet_view.zoomScale == 85
    assert [back[n].sheet_state for n in back.sheetnames] == ["visible", "visible", "hidden", "veryHidden"]
    props = back.properties
    assert (props.title, props.creator, props.subject) == ("Health and Wellbeing Board sign-off pack - Northmoor",
                                                           "pooledfund 0.1.0", "Better Care Fund")


def _chart_sheet() -> tuple[Workbook, Expectations]:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Summary"
    ws.append(["", "Source", "Council", "ICB"])
    ws.append(["", "NHS minimum", 0, 1000])
    ws.append(["", "Other", 250.5, 300])
    stacked = BarChart()
    stacked.type, stacked.grouping, stacked.overlap = "col", "stacked", 100
    stacked.title = "Contributions by partner and source"
    stacked.y_axis.numFmt = "£#,##0"
    stacked.legend.position = "b"
    stacked.add_data(Reference(ws, min_col=2, max_col=4, min_row=2, max_row=3), from_rows=True, titles_from_data=True)
    stacked.set_categories(Reference(ws, min_col=3, max_col=4, min_row=1, max_row=1))
    stacked.height, stacked.width = 10, 17
    ws.add_chart(stacked, "I4")
    bars = BarChart()
    bars.type, bars.title = "bar", "Spend by scheme type"
    bars.y_axis.numFmt = "£#,##0"
    bars.add_data(Reference(ws, min_col=3, max_col=4, min_row=1, max_row=3), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=2, min_row=2, max_row=3))
    bars.legend = None
    ws.add_chart(bars, "I26")
    return workbook, Expectations()


def test_bar_charts_keep_their_kind_series_titles_axes_legend_and_place() -> None:
    workbook, expectations = _chart_sheet()
    data, back = _round_trip(workbook, expectations)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist()) if n.startswith("xl/charts/chart")]
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    assert len(charts) == 2
    stacked, bars = charts
    assert '<c:barDir val="col"/>' in stacked and '<c:grouping val="stacked"/>' in stacked
    assert '<c:overlap val="100"/>' in stacked and "Contributions by partner and source" in stacked
    assert stacked.count("<c:ser>") == 2
    refs = re.findall(r"<c:f>(.*?)</c:f>", stacked)
    assert refs == ["'Summary'!B2", "'Summary'!$C$1:$D$1", "'Summary'!$C$2:$D$2",
                    "'Summary'!B3", "'Summary'!$C$1:$D$1", "'Summary'!$C$3:$D$3"]
    assert 'formatCode="£#,##0"' in stacked and '<c:legendPos val="b"/>' in stacked
    assert '<c:barDir val="bar"/>' in bars and "<c:legend>" not in bars and "Spend by scheme type" in bars
    assert 'formatCode="£#,##0"' in bars  # on the value axis, which runs across in a bar chart
    # Anchored at I4 and I26, and as big as asked. 17 cm x 10 cm is 643 x 378 pixels (96 a inch); columns of the
    # default width are 64 pixels and rows 20, so the first chart spans 10 columns + 3 pixels (28,575 EMU at 9,525
    # a pixel) and 18 rows + 18 pixels (171,450 EMU): it ends at column 18 and row 21 (0-based). The second has
    # openpyxl's default size, 15 cm x 7.5 cm = 567 x 283 pixels: 8 columns + 55 pixels, 14 rows + 3 pixels.
    corners = re.findall(r"<xdr:(from|to)><xdr:col>(\d+)</xdr:col><xdr:colOff>(\d+)</xdr:colOff>"
                         r"<xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff>", drawing)
    assert corners == [("from", "8", "0", "3", "0"), ("to", "18", "28575", "21", "171450"),
                       ("from", "8", "0", "25", "0"), ("to", "16", "523875", "39", "28575")]
    assert len(back["Summary"]._charts) == 2  # openpyxl reads both back


def _line_chart(ws: Worksheet) -> None:
    chart = LineChart()
    chart.add_data(Reference(ws, min_col=1, min_row=2, max_row=2))
    ws.add_chart(chart, "D2")


def _gradient(ws: Worksheet) -> None:
    ws["A1"].fill = GradientFill(stop=("FFFFFF", "000000"))


def _first_page_footer(ws: Worksheet) -> None:
    ws.HeaderFooter.differentFirst = True
    ws.firstFooter.center.text = "Cover page"


def _two_print_areas(ws: Worksheet) -> None:
    ws.print_area = ["A1:B2", "D1:E2"]


def _printed_gridlines_hidden_on_screen(ws: Worksheet) -> None:
    ws.print_options.gridLines = True
    ws.sheet_view.showGridLines = False


def _not_a_number(ws: Worksheet) -> None:
    ws["C1"] = float("nan")


def _table_over_merge(ws: Worksheet) -> None:
    ws.merge_cells("A2:B2")
    ws.add_table(Table(displayName="T", ref="A1:B2"))


def _file_link(ws: Worksheet) -> None:
    ws["A1"].hyperlink = "file:///etc/passwd"


def _long_footer(ws: Worksheet) -> None:
    ws.oddFooter.center.text = "x" * 258  # with its position code "&C": 260 characters


def _protected(ws: Worksheet) -> None:
    ws.protection.sheet = True


def _picture(ws: Worksheet) -> None:
    buffer = io.BytesIO()
    Picture.new("RGB", (4, 4)).save(buffer, format="PNG")
    ws.add_image(Image(buffer), "D4")


def _array_formula(ws: Worksheet) -> None:
    ws["C1"] = ArrayFormula("C1", "=SUM(A2:B2)")


@pytest.mark.parametrize("damage, message", [
    (_line_chart, "copies bar and column charts only"),
    (_gradient, "gradient fill"),
    (_first_page_footer, "different first page header or footer"),
    (_two_print_areas, "2 print areas"),
    (_printed_gridlines_hidden_on_screen, "gridlines are printed but hidden on screen"),
    (_not_a_number, "is not a number a workbook can hold"),
    (_table_over_merge, "overlaps"),
    (_file_link, "is neither a place in the workbook nor a web or mail address"),
    (_long_footer, r"its footer is 260 characters with its codes \(Excel allows 255\)"),
    (_protected, "is protected"),
    (_picture, "has a picture"),
    (_array_formula, "saves plain formulas only"),
], ids=lambda value: value.__name__.strip("_") if callable(value) else "")
def test_what_the_writer_cannot_copy_is_refused_not_dropped(damage: Callable[[Worksheet], None],
                                                              message: str) -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Sheet"
    ws["A1"], ws["B1"], ws["A2"], ws["B2"] = "a", "b", 1, 2
    damage(ws)
    with pytest.raises(PooledfundError, match=message):
        xlsx_bytes(workbook, Expectations())
