"""Reading uploaded spreadsheets safely into plain grids (no Django here).

Every check that protects the server runs *before* the parser sees the bytes: file size, the zip container
of .xlsx (entry count, total uncompressed size, compression ratio — a zip bomb), and the cell extent each
worksheet declares or uses (a sheet with one cell at XFD1048576 would make a dense reader allocate billions
of cells — a "formula bomb"). Formulas are never evaluated: readers return the cached value Excel stored.

Cells come back normalised: strings NFKC-folded (full-width digits, letters, brackets and the ideographic
space become ASCII) and stripped, empty strings become None, numbers stay float.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

Cell = str | float | int | bool | datetime.date | datetime.datetime | datetime.time | datetime.timedelta | None

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is Chinese and shown to the user."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_zip_entries: int = 500
    max_uncompressed: int = 250 * 1024 * 1024
    max_ratio: int = 120  # uncompressed / compressed, checked for entries above 1 MiB
    max_rows: int = 20_000
    max_cols: int = 300


DEFAULT_LIMITS = Limits()


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (Excel column names, used in every error message)."""
    name = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def norm_text(value: str) -> str:
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return value.strip()


def squeeze(value: str) -> str:
    """Normalised text without any whitespace: "姓　名" → "姓名", "张 三" → "张三"."""
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return "".join(value.split())


def _clean(value: object) -> Cell:
    t = type(value)
    if t is float:
        return None if value != value else value  # type: ignore[return-value]  # NaN → empty
    if t is str:
        text = norm_text(value) if not value.isascii() or value != value.strip() else value  # type: ignore[attr-defined]
        return text or None
    if t is bool:
        return "TRUE" if value else "FALSE"  # never a number: True == 1 must not pass as a score
    return value  # type: ignore[return-value]


def kind_of(file_name: str, data: bytes) -> str:
    """'xlsx', 'xls' or 'csv', from the content first (a renamed file still opens) and the name second."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportFileError("文件已损坏或不是有效的 Excel 文件，请在 Excel 中重新保存后再上传")
    if lower.endswith((".csv", ".txt")):
        return "csv"
    raise ImportFileError("不支持的文件类型：请上传 .xlsx、.xls 或 .csv 文件")


def read_workbook(data: bytes, file_name: str, limits: Limits = DEFAULT_LIMITS) -> list[Sheet]:
    """All sheets of an uploaded file as normalised grids; raises ImportFileError with a Chinese message."""
    if not data:
        raise ImportFileError("文件是空的，请检查后重新上传")
    if len(data) > limits.max_bytes:
        raise ImportFileError(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），上限为 {limits.max_bytes // 1024 // 1024} MB；"
            "请删除无关的工作表或拆分后再上传"
        )
    kind = kind_of(file_name, data)
    if kind == "xlsx":
        sheets = _read_xlsx(data, limits)
    elif kind == "xls":
        sheets = _read_xls(data, limits)
    else:
        sheets = [_read_csv(data, file_name, limits)]
    if not any(any(c is not None for c in row) for s in sheets for row in s.rows):
        raise ImportFileError("文件中没有任何数据（所有工作表都是空的）")
    return sheets


# ---- .xlsx ----------------------------------------------------------------------------------------------

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
_CELL_LETTERS = re.compile(rb"\sr=\"([A-Z]{1,3})\d")
_CELL_ROW = re.compile(rb"\sr=\"[A-Z]{1,3}(\d{1,8})\"")
_ROW_REF = re.compile(rb"\sr=\"(\d{1,8})\"")


def _check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # BadZipFile, NotImplementedError (bogus version/compression), EOFError, ValueError, ...
        raise ImportFileError("文件已损坏（无法解压），请在 Excel 中重新保存后再上传") from None
    if len(infos) > limits.max_zip_entries:
        raise ImportFileError(f"文件结构异常（包含 {len(infos)} 个内部条目），已拒绝处理")
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed:
        raise ImportFileError(
            f"文件解压后过大（{total / 1024 / 1024:.0f} MB），疑似压缩炸弹，已拒绝处理"
        )
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ImportFileError("文件压缩比异常，疑似压缩炸弹，已拒绝处理")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
        raise ImportFileError("文件不是有效的 Excel 工作簿（.xlsx），请在 Excel 中重新保存后再上传")
    return archive


def _check_extent(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Reject sheets whose declared or used extent exceeds the row/column limits, before any parsing."""
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        try:
            xml = archive.read(info)
        except Exception:  # BadZipFile, zlib.error, NotImplementedError, EOFError, ... — all mean a damaged file
            raise ImportFileError("文件已损坏（工作表无法解压），请在 Excel 中重新保存后再上传") from None
        # Used extent: every cell reference r="XFD123" and every row number (C-speed findall + set).
        letters = set(_CELL_LETTERS.findall(xml))
        numbers = set(_CELL_ROW.findall(xml)) | set(_ROW_REF.findall(xml))
        max_col = max((_col_number(c) for c in letters), default=0)
        max_row = max((int(n) for n in numbers), default=0)
        if not (max_row or max_col):
            dim = _DIMENSION.search(xml, 0, 4096)
            if dim and dim.group(3):
                max_row, max_col = int(dim.group(4)), _col_number(dim.group(3))
        if max_row > limits.max_rows + 50 or max_col > limits.max_cols:
            raise ImportFileError(
                f"工作表范围过大（{max_row} 行 × {max_col} 列），上限为 {limits.max_rows} 行、{limits.max_cols} 列；"
                "请删除多余的行列（可能有远处的空白格式或公式）后再上传"
            )


def _read_xlsx(data: bytes, limits: Limits) -> list[Sheet]:
    import python_calamine as pc

    archive = _check_zip(data, limits)
    names = set(archive.namelist())
    if "EncryptedPackage" in names:
        raise ImportFileError("文件设置了密码保护，请先在 Excel 中取消密码后再上传")
    _check_extent(archive, limits)
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in book.sheets_metadata:
            if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
                continue
            raw = book.get_sheet_by_name(meta.name)
            grid = raw.to_python(skip_empty_area=False)
            # floats (most cells of a score sheet) need no cleaning; calamine never yields NaN
            sheets.append(Sheet(meta.name, [[v if v.__class__ is float else _clean(v) for v in row] for row in grid]))
    except ImportFileError:
        raise
    except Exception as exc:  # calamine raises several error types (CalamineError, XmlError, ZipError, ...)
        raise ImportFileError(f"文件已损坏，无法读取（{type(exc).__name__}）；请在 Excel 中重新保存后再上传") from None
    return sheets


# ---- .xls -----------------------------------------------------------------------------------------------


def _read_xls(data: bytes, limits: Limits) -> list[Sheet]:
    if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data[:65536 * 4]:
        raise ImportFileError("文件设置了密码保护，请先在 Excel 中取消密码后再上传")
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, ragged_rows=True, on_demand=True, logfile=io.StringIO())
    except Exception as exc:
        if "encrypt" in str(exc).lower():
            raise ImportFileError("文件设置了密码保护，请先在 Excel 中取消密码后再上传") from None
        raise ImportFileError("文件已损坏或不是有效的 .xls 文件，请在 Excel 中重新保存后再上传") from None
    sheets = []
    try:
        for index in range(book.nsheets):
            sh = book.sheet_by_index(index)
            if sh.nrows > limits.max_rows + 50 or sh.ncols > limits.max_cols:
                raise ImportFileError(
                    f"工作表「{sh.name}」范围过大（{sh.nrows} 行 × {sh.ncols} 列），"
                    f"上限为 {limits.max_rows} 行、{limits.max_cols} 列"
                )
            rows: list[list[Cell]] = []
            for r in range(sh.nrows):
                row: list[Cell] = []
                for cell in sh.row(r):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                        except (ValueError, OverflowError):
                            row.append(cell.value)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append("TRUE" if cell.value else "FALSE")  # never the number 1/0
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        row.append(None)
                    else:
                        row.append(_clean(cell.value))
                rows.append(row)
            sheets.append(Sheet(sh.name, rows))
            book.unload_sheet(index)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError("文件已损坏，无法读取其中的工作表；请在 Excel 中重新保存后再上传") from None
    return sheets


# ---- .csv -----------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GBK/GB18030 (what Chinese Excel writes by default)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("无法识别文件编码：请将 CSV 另存为 UTF-8 或 GBK 编码")


def _read_csv(data: bytes, file_name: str, limits: Limits) -> Sheet:
    if b"\x00" in data[:4096]:
        raise ImportFileError("文件不是文本格式的 CSV（可能已损坏或是其他类型的文件）")
    text = decode_text(data)
    if text.count("\n") > limits.max_rows + 50:
        raise ImportFileError(f"文件行数过多，上限为 {limits.max_rows} 行")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Cell]] = []
    try:
        for raw in csv.reader(io.StringIO(text), dialect):
            if len(raw) > limits.max_cols:
                raise ImportFileError(f"第{len(rows) + 1}行列数过多（{len(raw)} 列），上限为 {limits.max_cols} 列")
            rows.append([_clean(v) for v in raw])
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式错误（第{len(rows) + 1}行）：{exc}") from None
    name = re.sub(r"\.[^.]+$", "", file_name.rsplit("/", 1)[-1]) or "CSV"
    return Sheet(name, rows)


# ---- cell helpers used by the importers -----------------------------------------------------------------

STATE_WORDS: dict[str, str] = {
    "缺考": "absent",
    "缺": "absent",
    "缺席": "absent",
    "免考": "exempt",
    "免": "exempt",
    "作弊": "cheating",
    "违纪": "cheating",
}
BLANK_WORDS = frozenset({"", "-", "--", "—", "——", "/", "未作答", "未答"})


def text_of(cell: Cell) -> str:
    """The cell as text, the way a teacher reads it: 20240101.0 → "20240101"."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        return str(cell)
    return squeeze(str(cell)) if isinstance(cell, str) else str(cell)


@dataclass(frozen=True)
class ScoreValue:
    state: str  # scored / absent / exempt / cheating / blank
    score: Decimal | None


class CellError(ValueError):
    """A problem with one cell; the importer adds sheet, row and column to the message."""


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
TENTH = Decimal("0.1")


def parse_score(cell: Cell) -> ScoreValue:
    """A score cell: a number (0.5 steps and tenths allowed), a state word (缺考/免考/作弊) or blank."""
    if cell is None:
        return ScoreValue("blank", None)
    if isinstance(cell, bool) or isinstance(cell, datetime.date | datetime.time | datetime.timedelta):
        raise CellError(f"「{text_of(cell)}」不是分数")
    if isinstance(cell, int | float):
        if cell != cell or cell in (float("inf"), float("-inf")):
            raise CellError("不是有效的分数")
        value = Decimal(repr(float(cell))) if isinstance(cell, float) else Decimal(cell)
    else:
        text = squeeze(cell)
        if text in STATE_WORDS:
            return ScoreValue(STATE_WORDS[text], None)
        if text in BLANK_WORDS:
            return ScoreValue("blank", None)
        if text.endswith("分"):
            text = text[:-1]
        if not _NUMBER.match(text):
            raise CellError(f"「{cell}」不是分数（应填数字，或 缺考/免考/作弊，或留空）")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise CellError(f"「{cell}」不是分数") from None
    if value < 0:
        raise CellError(f"分数 {_fmt(value)} 是负数")
    if value >= 10000:
        raise CellError(f"分数 {_fmt(value) if value < 10**12 else '过长的数字'} 过大")
    if value != value.quantize(TENTH):
        raise CellError(f"分数 {_fmt(value)} 最多保留一位小数")
    return ScoreValue("scored", value.quantize(TENTH))


def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def fmt_score(value: Decimal | None) -> str:
    return "" if value is None else _fmt(value)


def first_nonblank(cells: Iterable[Cell]) -> Cell:
    return next((c for c in cells if c is not None), None)
