"""Files that could hurt the server or are unreadable are refused before parsing, in Chinese, writing nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.personas import Personas
from yincai.imports.common import ImportRefused
from yincai.imports.parsing import ImportFileError, Limits, read_workbook
from yincai.imports.services import import_file
from yincai.imports.tests.helpers import fresh_assessment, simple_rows, snapshot, xlsx


def _rezip(content: bytes, edit: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
           compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            data = (edit or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _error(content: bytes, name: str = "成绩.xlsx", limits: Limits | None = None) -> str:
    with pytest.raises(ImportFileError) as exc:
        read_workbook(content, name, limits or Limits())
    return str(exc.value)


def test_an_empty_file_is_refused() -> None:
    assert "文件是空的" in _error(b"")


def test_an_empty_workbook_is_refused() -> None:
    assert "没有任何数据" in _error(xlsx([]))


def test_a_50_mb_file_is_refused_before_it_is_opened() -> None:
    assert "文件过大（50.0 MB）" in _error(b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024 - 4))


def test_a_truncated_xlsx_is_reported_as_corrupt() -> None:
    content = xlsx(simple_rows())
    assert "文件已损坏" in _error(content[: len(content) // 2])


def test_random_bytes_named_xlsx_are_refused() -> None:
    assert "文件已损坏或不是有效的 Excel 文件" in _error(b"this is not a workbook", "成绩.xlsx")


def test_an_unknown_file_type_is_refused() -> None:
    assert "不支持的文件类型" in _error(b"hello", "成绩.docx")


def test_a_zip_bomb_is_refused_by_its_uncompressed_size() -> None:
    bomb = _rezip(xlsx(simple_rows()), add={"xl/media/bomb.bin": b"\x00" * (300 * 1024 * 1024)})
    assert len(bomb) < 2 * 1024 * 1024
    assert "疑似压缩炸弹" in _error(bomb)


def test_a_highly_compressed_entry_is_refused_by_its_ratio() -> None:
    bomb = _rezip(xlsx(simple_rows()), add={"xl/media/pad.bin": b"\x00" * (20 * 1024 * 1024)})
    assert "压缩比异常" in _error(bomb)


def test_too_many_zip_entries_are_refused() -> None:
    many = _rezip(xlsx(simple_rows()), add={f"xl/media/{i}.bin": b"x" for i in range(600)})
    assert "内部条目" in _error(many)


def test_a_formula_bomb_sheet_extent_is_refused_before_parsing() -> None:
    content = xlsx([["学号", "姓名", "1"], ["20240101", "alice", 1]])
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    far = sheet.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><f>A1</f><v>0</v></c></row></sheetData>')
    assert "工作表范围过大" in _error(_rezip(content, edit={"xl/worksheets/sheet1.xml": far}))


def test_too_many_rows_are_refused_with_the_limit_stated() -> None:
    rows = [["学号", "姓名", "1"]] + [[str(i), "x", 1] for i in range(200)]
    assert "上限为 100 行" in _error(xlsx(rows), limits=Limits(max_rows=100))


def test_a_password_protected_workbook_is_explained() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx(simple_rows()))).encrypt("secret", encrypted)
    assert "密码保护" in _error(encrypted.getvalue())


def test_a_csv_in_an_unknown_encoding_or_binary_is_refused() -> None:
    assert "不是文本格式" in _error(b"\x00\x01\x02binary", "成绩.csv")


@pytest.mark.django_db
def test_a_refused_file_writes_nothing_through_the_service(personas: Personas) -> None:
    a = fresh_assessment(personas)
    before = snapshot(a)
    with pytest.raises(ImportRefused) as exc:
        import_file(user=personas.users["wang"], kind="scores", content=b"", file_name="成绩.xlsx", assessment=a)
    assert "文件是空的" in str(exc.value)
    assert snapshot(a) == before
