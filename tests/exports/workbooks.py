"""Read what a workbook really holds, from its XML: every cell's kind and text, every formula and every link."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
HYPERLINK_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


@dataclass(frozen=True)
class Cell:
    """One ``<c>`` element: its reference, its type attribute, its text (shared strings resolved) and its formula."""

    ref: str
    kind: str
    text: str | None
    formula: str | None


@dataclass(frozen=True)
class SheetContents:
    cells: tuple[Cell, ...]
    hyperlinks: int  # <hyperlink> elements plus hyperlink relationships

    @property
    def formulas(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.formula is not None]

    @property
    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells if cell.kind in {"s", "str", "inlineStr"} and cell.text is not None]


def unescape(text: str) -> str:
    """OOXML writes control characters as ``_xHHHH_``."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match.group(1), 16)), text)


def sheets(xlsx: bytes) -> list[SheetContents]:
    """Every worksheet of ``xlsx``."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        names = set(book.namelist())
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = [unescape("".join(node.itertext())) for node in root.iter(f"{MAIN}si")]
        found = []
        for name in sorted(names):
            match = re.fullmatch(r"xl/worksheets/(sheet\d+\.xml)", name)
            if match is None:
                continue
            root = ElementTree.fromstring(book.read(name))
            cells = []
            for node in root.iter(f"{MAIN}c"):
                kind = node.attrib.get("t", "n")
                value = node.find(f"{MAIN}v")
                formula = node.find(f"{MAIN}f")
                text = value.text if value is not None else "".join(node.itertext()) if kind == "inlineStr" else None
                if kind == "s" and text is not None:
                    text = shared[int(text)]
                cells.append(
                    Cell(
                        ref=node.attrib["r"],
                        kind=kind,
                        text=None if text is None else unescape(text),
                        formula=None if formula is None else (formula.text or ""),
                    )
                )
            links = len(list(root.iter(f"{MAIN}hyperlink")))
            rels = f"xl/worksheets/_rels/{match.group(1)}.rels"
            if rels in names:
                links += book.read(rels).decode().count(HYPERLINK_RELATION)
            found.append(SheetContents(cells=tuple(cells), hyperlinks=links))
    return found


def embedded_workbooks(pptx: bytes) -> list[bytes]:
    """The workbooks a deck's charts carry (python-pptx stores one per chart under ``ppt/embeddings``)."""
    with zipfile.ZipFile(io.BytesIO(pptx)) as deck:
        return [deck.read(name) for name in sorted(deck.namelist()) if name.startswith("ppt/embeddings/")]
