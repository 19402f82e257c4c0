"""openpyxl cell styles as XlsxWriter formats: fonts, fills, borders, alignment, number formats.

Every distinct style becomes one XlsxWriter format, made once and reused
(XlsxWriter, like Excel, holds a limited number of distinct formats, and a
pack has tens of thousands of cells but a few dozen styles). Conditional
formats (a rule's font, fill and border) are converted the same way.
Colours are written as RGB; a theme colour is worked out from the Office
theme both writers embed, with its tint applied as Excel does.
"""

from __future__ import annotations

import colorsys
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection
from openpyxl.styles.colors import COLOR_INDEX, Color
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.styleable import StyleableObject
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook as XlsxBook

from pooledfund.core.errors import PooledfundError

#: The Office theme's colours in the order a style's ``theme`` index counts them
#: (light 1, dark 1, light 2, dark 2, accents 1 to 6, hyperlink, followed hyperlink).
THEME_COLOURS = ["FFFFFF", "000000", "EEECE1", "1F497D", "4F81BD", "C0504D", "9BBB59", "8064A2", "4BACC6",
                 "F79646", "0000FF", "800080"]

BORDER_STYLES = {
    None: 0, "thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7,
    "mediumDashed": 8, "dashDot": 9, "mediumDashDot": 10, "dashDotDot": 11, "mediumDashDotDot": 12,
    "slantDashDot": 13,
}
PATTERNS = {
    None: 0, "none": 0, "solid": 1, "mediumGray": 2, "darkGray": 3, "lightGray": 4, "darkHorizontal": 5,
    "darkVertical": 6, "darkDown": 7, "darkUp": 8, "darkGrid": 9, "darkTrellis": 10, "lightHorizontal": 11,
    "lightVertical": 12, "lightDown": 13, "lightUp": 14, "lightGrid": 15, "lightTrellis": 16, "gray125": 17,
    "gray0625": 18,
}
HORIZONTAL = {"general": None, "left": "left", "center": "center", "right": "right", "fill": "fill",
              "justify": "justify", "centerContinuous": "center_across", "distributed": "distributed"}
VERTICAL = {"top": "top", "center": "vcenter", "bottom": "bottom", "justify": "vjustify",
            "distributed": "vdistributed"}
UNDERLINES = {"single": 1, "double": 2, "singleAccounting": 33, "doubleAccounting": 34}
#: openpyxl's default colour (no colour given): a style carrying it says nothing.
_UNSET = "00000000"


def _tinted(rgb: str, tint: float) -> str:
    """``rgb`` lightened (tint > 0) or darkened (tint < 0) as Excel applies a theme tint to luminance."""
    red, green, blue = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    hue, light, sat = colorsys.rgb_to_hls(red, green, blue)
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    red, green, blue = colorsys.hls_to_rgb(hue, min(max(light, 0.0), 1.0), sat)
    return "".join(f"{round(c * 255):02X}" for c in (red, green, blue))


def colour(value: Color | None, default_theme: int | None = None) -> str | None:
    """``value`` as ``#RRGGBB``; None when no colour is set (or it is the default ``default_theme`` colour)."""
    if value is None:
        return None
    kind = value.type
    if kind == "rgb":
        rgb = str(value.rgb)
        return None if rgb == _UNSET else "#" + rgb[-6:].upper()
    if kind == "indexed":
        index = int(value.indexed)
        if index >= len(COLOR_INDEX) or index >= 64:  # 64 and 65 are the system fore- and background: automatic
            return None
        return "#" + COLOR_INDEX[index][-6:].upper()
    if kind == "theme":
        index, tint = int(value.theme), float(value.tint or 0.0)
        if index == default_theme and not tint:
            return None
        if index >= len(THEME_COLOURS):
            raise PooledfundError(f"the workbook uses theme colour {index}, which the Office theme does not have")
        return "#" + (_tinted(THEME_COLOURS[index], tint) if tint else THEME_COLOURS[index])
    return None


def _font(font: Font | None, options: dict[str, Any], *, differential: bool) -> None:
    if font is None:
        return
    if not differential:
        if font.name:
            options["font_name"] = font.name
        if font.sz:
            options["font_size"] = float(font.sz)
    if font.b:
        options["bold"] = True
    if font.i:
        options["italic"] = True
    if font.strike:
        options["font_strikeout"] = True
    if font.u:
        options["underline"] = UNDERLINES.get(font.u, 1)
    if font.vertAlign in ("superscript", "subscript"):
        options["font_script"] = 1 if font.vertAlign == "superscript" else 2
    text_colour = colour(font.color, default_theme=1)
    if text_colour:
        options["font_color"] = text_colour


def _fill(fill: PatternFill | None, options: dict[str, Any], *, differential: bool) -> None:
    if fill is None:
        return
    if fill.tagname != "patternFill":  # cells hand out their fill behind a proxy, so ask its tag, not its class
        raise PooledfundError("the workbook uses a gradient fill, which the pack's writer does not copy")
    if differential:
        # A rule's solid fill is its background colour (openpyxl: bgColor, or fgColor when only that is set).
        background = colour(fill.bgColor) or colour(fill.fgColor)
        if background:
            options["bg_color"] = background
        return
    pattern = PATTERNS.get(fill.fill_type)
    if pattern is None:
        raise PooledfundError(f"the workbook uses fill pattern {fill.fill_type!r}, which the pack's writer "
                              "does not know")
    if pattern == 0:
        return
    options["pattern"] = pattern
    foreground, background = colour(fill.fgColor), colour(fill.bgColor)
    if pattern == 1:
        options["bg_color"] = foreground or "#000000"  # XlsxWriter writes a solid fill's colour from bg_color
    else:
        if foreground:
            options["fg_color"] = foreground
        if background:
            options["bg_color"] = background


def _border(border: Border | None, options: dict[str, Any]) -> None:
    if border is None:
        return
    for side_name in ("left", "right", "top", "bottom"):
        side = getattr(border, side_name)
        if side is None or side.style is None:
            continue
        style = BORDER_STYLES.get(side.style)
        if style is None:
            raise PooledfundError(f"the workbook uses border style {side.style!r}, which the pack's writer "
                                  "does not know")
        options[side_name] = style
        side_colour = colour(side.color)
        if side_colour:
            options[f"{side_name}_color"] = side_colour
    diagonal = border.diagonal
    if diagonal is not None and diagonal.style is not None and (border.diagonalUp or border.diagonalDown):
        options["diag_type"] = 3 if border.diagonalUp and border.diagonalDown else (1 if border.diagonalUp else 2)
        options["diag_border"] = BORDER_STYLES.get(diagonal.style, 1)
        diagonal_colour = colour(diagonal.color)
        if diagonal_colour:
            options["diag_color"] = diagonal_colour


def _alignment(alignment: Alignment | None, options: dict[str, Any]) -> None:
    if alignment is None:
        return
    if alignment.horizontal and HORIZONTAL.get(alignment.horizontal):
        options["align"] = HORIZONTAL[alignment.horizontal]
    if alignment.vertical and alignment.vertical in VERTICAL:
        options["valign"] = VERTICAL[alignment.vertical]
    if alignment.wrap_text:
        options["text_wrap"] = True
    if alignment.shrink_to_fit:
        options["shrink"] = True
    if alignment.indent:
        options["indent"] = int(alignment.indent)
    rotation = int(alignment.text_rotation or 0)
    if rotation:
        # openpyxl counts 91 to 180 for -1 to -90 degrees, and 255 for text stacked down the cell.
        options["rotation"] = 270 if rotation == 255 else (90 - rotation if rotation > 90 else rotation)


def _protection(protection: Protection | None, options: dict[str, Any]) -> None:
    if protection is None:
        return
    if protection.locked is False:
        options["locked"] = False
    if protection.hidden:
        options["hidden"] = True


class FormatCache:
    """One XlsxWriter format per distinct openpyxl style, made on first use."""

    def __init__(self, book: XlsxBook) -> None:
        self.book = book
        self._cells: dict[tuple[int, ...], Format | None] = {}
        self._options: dict[tuple[tuple[str, Any], ...], Format] = {}

    def _format(self, options: dict[str, Any]) -> Format | None:
        if not options:
            return None
        key = tuple(sorted(options.items()))
        made = self._options.get(key)
        if made is None:
            made = self._options[key] = self.book.add_format(options)
        return made

    def of(self, styled: StyleableObject) -> Format | None:
        """The format of a cell, row or column (None for the default style)."""
        if not styled.has_style:
            return None
        key = tuple(styled._style)  # the style's ids: everything sharing every id shares a format
        if key not in self._cells:
            self._cells[key] = self._format(style_options(styled))
        return self._cells[key]

    def differential(self, style: DifferentialStyle | None) -> Format | None:
        """The format a conditional-formatting rule applies (font, fill, border, number format)."""
        if style is None:
            return None
        options: dict[str, Any] = {}
        _font(style.font, options, differential=True)
        _fill(style.fill, options, differential=True)
        _border(style.border, options)
        if style.numFmt is not None and style.numFmt.formatCode:
            options["num_format"] = style.numFmt.formatCode
        return self._format(options)


def style_options(cell: StyleableObject) -> dict[str, Any]:
    """XlsxWriter format properties for the style of an openpyxl cell, row or column."""
    options: dict[str, Any] = {}
    if not cell.has_style:
        return options
    _font(cell.font, options, differential=False)
    _fill(cell.fill, options, differential=False)
    _border(cell.border, options)
    _alignment(cell.alignment, options)
    _protection(cell.protection, options)
    if cell.number_format and cell.number_format != "General":
        options["num_format"] = cell.number_format
    if cell.quotePrefix:
        options["quote_prefix"] = True
    if options.get("font_name") == "Calibri" and options.get("font_size") == 11.0:
        # Both writers' default font: leave it to the default so the format stays minimal.
        del options["font_name"], options["font_size"]
    return options
