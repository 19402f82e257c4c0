"""A sheet's print set-up and view, copied from openpyxl to XlsxWriter.

Orientation, paper, fit to pages or a scale, margins, header and footer,
centring, gridlines, print area, rows and columns repeated on every page,
manual page breaks, frozen panes, zoom, tab colour, outline symbols and
whether the sheet is hidden. Anything XlsxWriter cannot write (a second
print area, a different first-page footer) is refused, never dropped.
"""

from __future__ import annotations

from openpyxl.utils import column_index_from_string
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.print_settings import PrintArea
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.worksheet import Worksheet as XlsxSheet

from pooledfund.core.errors import PooledfundError
from pooledfund.io.excel.cells import quote
from pooledfund.io.excel.xlsx_formats import colour

#: Excel's limit on manual page breaks in one direction.
MAX_BREAKS = 1023
#: Excel's limit on a header or footer, formatting codes included.
HEADER_MAX = 255


def _refuse(ws: Worksheet, what: str) -> PooledfundError:
    return PooledfundError(f"sheet {quote(ws.title)}: {what}, which the pack's writer cannot copy; nothing was "
                           "written")


def copy_page_setup(ws: Worksheet, out: XlsxSheet) -> None:
    """Paper, orientation, fitting, margins, centring, gridlines, header and footer."""
    setup = ws.page_setup
    if setup.orientation == "landscape":
        out.set_landscape()
    elif setup.orientation == "portrait":
        out.set_portrait()
    if setup.paperSize:
        out.set_paper(int(setup.paperSize))
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        # OOXML's default for either direction is one page; 0 means as many pages as needed.
        width = 1 if setup.fitToWidth is None else int(setup.fitToWidth)
        height = 1 if setup.fitToHeight is None else int(setup.fitToHeight)
        out.fit_to_pages(width, height)
    elif setup.scale:
        out.set_print_scale(int(setup.scale))
    if setup.firstPageNumber and setup.useFirstPageNumber:
        out.set_start_page(int(setup.firstPageNumber))
    if setup.pageOrder == "overThenDown":
        out.print_across()
    if setup.blackAndWhite:
        out.print_black_and_white()
    margins = ws.page_margins
    out.set_margins(left=margins.left, right=margins.right, top=margins.top, bottom=margins.bottom)
    options = ws.print_options
    if options.horizontalCentered:
        out.center_horizontally()
    if options.verticalCentered:
        out.center_vertically()
    if options.headings:
        out.print_row_col_headers()
    _gridlines(ws, out)
    _header_footer(ws, out)


def _gridlines(ws: Worksheet, out: XlsxSheet) -> None:
    on_screen = ws.sheet_view.showGridLines is not False
    printed = bool(ws.print_options.gridLines)
    if on_screen:
        out.hide_gridlines(0 if printed else 1)
    elif printed:
        raise _refuse(ws, "gridlines are printed but hidden on screen")
    else:
        out.hide_gridlines(2)


def _header_footer(ws: Worksheet, out: XlsxSheet) -> None:
    settings = ws.HeaderFooter
    for name, item in (("first page", ws.firstHeader), ("first page", ws.firstFooter),
                       ("even page", ws.evenHeader), ("even page", ws.evenFooter)):
        if item:
            raise _refuse(ws, f"it has a different {name} header or footer")
    options = {"margin": ws.page_margins.header}
    if settings.scaleWithDoc is False:
        options["scale_with_doc"] = False
    if settings.alignWithMargins is False:
        options["align_with_margins"] = False
    header = str(ws.oddHeader) if ws.oddHeader else ""
    footer = str(ws.oddFooter) if ws.oddFooter else ""
    for name, text in (("header", header), ("footer", footer)):
        if len(text) > HEADER_MAX:
            raise _refuse(ws, f"its {name} is {len(text)} characters with its codes (Excel allows {HEADER_MAX})")
    out.set_header(header, options)
    out.set_footer(footer, dict(options, margin=ws.page_margins.footer))


def copy_print_ranges(ws: Worksheet, out: XlsxSheet) -> None:
    """Print area, rows and columns repeated on every page, and manual page breaks."""
    if ws.print_area:
        ranges = PrintArea.from_string(ws.print_area).ranges
        if len(ranges) > 1:
            raise _refuse(ws, f"it has {len(ranges)} print areas")
        area = next(iter(ranges))
        out.print_area(area.min_row - 1, area.min_col - 1, area.max_row - 1, area.max_col - 1)
    if ws.print_title_rows:
        first, last = (int(part.strip("$")) for part in ws.print_title_rows.split(":"))
        out.repeat_rows(first - 1, last - 1)
    if ws.print_title_cols:
        first, last = (column_index_from_string(part.strip("$")) for part in ws.print_title_cols.split(":"))
        out.repeat_columns(first - 1, last - 1)
    for label, breaks, setter in (("row", ws.row_breaks, out.set_h_pagebreaks),
                                  ("column", ws.col_breaks, out.set_v_pagebreaks)):
        ids = sorted({int(b.id) for b in breaks.brk if b.id})
        if len(ids) > MAX_BREAKS:
            raise _refuse(ws, f"it has {len(ids):,} {label} page breaks (Excel allows {MAX_BREAKS:,})")
        if ids:
            setter(ids)


def copy_view(ws: Worksheet, out: XlsxSheet) -> None:
    """Frozen panes, zoom, page view, tab colour, outline symbols and whether the sheet is hidden."""
    if ws.freeze_panes:
        letters, row = coordinate_from_string(ws.freeze_panes)
        out.freeze_panes(row - 1, column_index_from_string(letters) - 1)
    view = ws.sheet_view
    if view.zoomScale and int(view.zoomScale) != 100:
        out.set_zoom(int(view.zoomScale))
    if view.view == "pageLayout":
        out.set_page_view(1)
    elif view.view == "pageBreakPreview":
        out.set_page_view(2)
    if view.rightToLeft:
        out.right_to_left()
    properties = ws.sheet_properties
    tab = colour(properties.tabColor)
    if tab:
        out.set_tab_color(tab)
    outline = properties.outlinePr
    if outline is not None:
        out.outline_settings(visible=True, symbols_below=outline.summaryBelow is not False,
                             symbols_right=outline.summaryRight is not False, auto_style=False)
    if ws.sheet_state == "hidden":
        out.hide()
    elif ws.sheet_state == "veryHidden":
        out.very_hidden()
