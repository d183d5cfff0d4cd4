"""Fuzzing the Word import: ≥ 100 malformed .docx files (random bytes, truncated, bit-flipped, garbage
paragraphs, non-Word zips, encrypted or old .doc, zip bombs, huge, broken XML, incomplete questions) are
each refused with a Chinese message, and nothing is written — no item, no import preview, no family.
Every 8th case also goes through the web upload, which must answer 400 with the message, never 5xx."""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas
from yincai.itembank.services import ImportRefusedError, import_create
from yincai.itembank.tests.helpers import counts, docx_bytes, twenty_lines, xlsx_bytes
from yincai.school.models import Staff, Subject

CJK = re.compile(r"[\u4e00-\u9fff]")
GARBAGE_CHARS = "abcxyz ，。！？、；：“”（）【】《》#@%&*~_=+<>题目计算答解析的了是在不有人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"


def _flag_encrypted(content: bytes) -> bytes:
    """Set the 'encrypted' bit in every local and central header, as an encrypting zip tool would."""
    data = bytearray(content)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            data[pos + offset] |= 0x1
            pos = data.find(sig, pos + 4)
    return bytes(data)


def _rezip(content: bytes, edit: dict[str, bytes] | None = None, drop: set[str] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in (drop or set()):
                continue
            data = (edit or {}).get(info.filename, src.read(info))
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(new, data)
    return out.getvalue()


def _garbage_line(rng: random.Random) -> str:
    n = rng.randint(1, 60)
    pool = GARBAGE_CHARS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ?!.,;:()[]{}" + "\u200b\ufeff\t "
    return "".join(rng.choice(pool) for _ in range(n))


def _valid() -> bytes:
    return docx_bytes(twenty_lines())


def case_random_bytes(rng: random.Random, i: int) -> bytes:
    prefix = rng.choice([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.4", b"{\\rtf1"])
    return prefix + rng.randbytes(rng.randint(0, 4000))


def case_truncated(rng: random.Random, i: int) -> bytes:
    data = _valid()
    return data[:rng.randint(1, len(data) - 30)]


def case_bit_flips(rng: random.Random, i: int) -> bytes:
    data = bytearray(docx_bytes([_garbage_line(rng) for _ in range(rng.randint(1, 30))]))
    for _ in range(rng.randint(1, 40)):
        pos = rng.randrange(len(data))
        data[pos] ^= 1 << rng.randrange(8)
    return bytes(data)


def case_garbage_paragraphs(rng: random.Random, i: int) -> bytes:
    lines = [_garbage_line(rng) for _ in range(rng.randint(0, 80))]
    if rng.random() < 0.5:  # numbered lines, but never an answer
        lines = [f"{k + 1}. {line}" for k, line in enumerate(lines)] or ["1. "]
    return docx_bytes(lines)


def case_broken_xml(rng: random.Random, i: int) -> bytes:
    data = _valid()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    cut = rng.choice([xml[: rng.randint(10, len(xml) - 10)], xml.replace(b"<w:body>", b"<w:body", 1),
                      b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>]><x>&a;&a;</x>", rng.randbytes(300),
                      b"", xml.replace(b"w:document", b"w:documen", 1)])
    return _rezip(data, edit={"word/document.xml": cut})


def case_not_word_zip(rng: random.Random, i: int) -> bytes:
    choice = i % 4
    if choice == 0:
        return xlsx_bytes([["题干", "答案"], ["1+1", "2"]])  # an Excel file named .docx
    if choice == 1:
        return _rezip(_valid(), drop={"word/document.xml"})
    if choice == 2:
        return _rezip(_valid(), drop={"[Content_Types].xml"})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for k in range(rng.randint(1, 5)):
            z.writestr(f"file{k}.txt", rng.randbytes(50))
    return out.getvalue()


def case_encrypted(rng: random.Random, i: int) -> bytes:
    if i % 2:
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(rng.randint(500, 5000))  # OLE: encrypted / .doc
    return _flag_encrypted(_valid())


def case_bombs_and_huge(rng: random.Random, i: int) -> bytes:
    choice = i % 3
    if choice == 0:
        return b"PK\x03\x04" + bytes(11 * 1024 * 1024)  # bigger than the 10 MB limit
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if choice == 1:  # 70 MB of zeros in a few KB
            z.writestr("[Content_Types].xml", b"<Types/>")
            z.writestr("word/document.xml", bytes(70 * 1024 * 1024))
        else:  # too many entries
            for k in range(400):
                z.writestr(f"word/media/x{k}.bin", b"x")
            z.writestr("[Content_Types].xml", b"<Types/>")
            z.writestr("word/document.xml", b"<x/>")
    return out.getvalue()


def case_bad_questions(rng: random.Random, i: int) -> bytes:
    lines = twenty_lines()
    k = rng.randrange(1, len(lines))
    choice = i % 5
    if choice == 0:  # a question without answer
        lines = [line for line in lines if line != "答案：56"]
    elif choice == 1:  # an answer longer than 200 characters
        lines.insert(lines.index("答案：700") + 1, "x" * 300)
    elif choice == 2:  # duplicated number
        lines.insert(k, "5. 重复的题号 =")
        lines.insert(k + 1, "答案：1")
    elif choice == 3:  # bad layer / minutes
        lines.insert(lines.index("答案：85") + 1, rng.choice(["层级：很难", "用时：abc", "用时：999", "题型：论述"]))
    else:  # an empty stem with an answer
        lines.insert(lines.index("答案：5") + 1, "11. ")
        lines.insert(lines.index("答案：5") + 2, "答案：3")
    return docx_bytes(lines)


def case_empty(rng: random.Random, i: int) -> bytes:
    return [b"", b" ", docx_bytes([]), docx_bytes(["   ", "三年级数学练习"])][i % 4]


MAKERS: list[tuple[Callable[[random.Random, int], bytes], int]] = [
    (case_random_bytes, 16), (case_truncated, 14), (case_bit_flips, 14), (case_garbage_paragraphs, 16),
    (case_broken_xml, 12), (case_not_word_zip, 8), (case_encrypted, 6), (case_bombs_and_huge, 3),
    (case_bad_questions, 10), (case_empty, 4),
]
CASES = [(maker.__name__, k) for maker, n in MAKERS for k in range(n)]


def test_there_are_at_least_100_cases() -> None:
    assert len(CASES) >= 100


@pytest.mark.django_db
def test_every_malformed_docx_is_refused_in_chinese_writing_nothing(personas: Personas) -> None:
    author = Staff.objects.get(user__username="ma")
    math = Subject.objects.get(code="math")
    client = Client()
    client.force_login(personas.user("ma"))
    before = counts()
    makers = {maker.__name__: maker for maker, _ in MAKERS}
    failures: list[str] = []
    for n, (name, k) in enumerate(CASES):
        rng = random.Random(f"{name}-{k}")
        content = makers[name](rng, k)
        try:
            import_create(author=author, subject=math, grade_level=3, content=content, file_name=f"fuzz{n}.docx")
        except ImportRefusedError as exc:
            if not exc.problems or not all(CJK.search(p) for p in exc.problems):
                failures.append(f"{name}#{k}: not Chinese: {exc.problems}")
        else:
            failures.append(f"{name}#{k}: accepted")
        if n % 8 == 0:
            response = client.post("/itembank/import/", {"subject": math.pk, "grade_level": 3,
                                                         "file": SimpleUploadedFile(f"fuzz{n}.docx", content)})
            if response.status_code != 400 or "没有写入任何题目" not in response.content.decode():
                failures.append(f"{name}#{k}: web answered {response.status_code}")
        if counts() != before:
            failures.append(f"{name}#{k}: wrote rows {counts()} vs {before}")
            before = counts()
    assert not failures, "\n".join(failures)
