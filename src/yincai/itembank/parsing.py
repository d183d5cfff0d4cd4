"""Reading uploaded question files into plain questions (no Django): Word (.docx of numbered questions with
「答案：」/「解析：」 lines) and Excel (columns 题干/答案/解析/题型/知识点/层级/用时/来源).

Every check that protects the server runs before python-docx sees the bytes: size, the zip container (entry
count, uncompressed size, compression ratio), the parts a .docx must have. Any failure — a truncated file,
random bytes, an encrypted or old .doc file, a zip that is not a Word document, garbage without numbered
questions — raises `ImportFileError` with a Chinese message; problems of single questions are collected
with their question number (or row) and refuse the whole file.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from yincai.imports.common import find_header
from yincai.imports.parsing import OLE_MAGIC, ZIP_MAGIC, ImportFileError, Limits, read_workbook, text_of

MAX_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 300
MAX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_RATIO = 100
MAX_QUESTIONS = 500
MAX_PARAGRAPHS = 20_000
MAX_STEM = 2000
MAX_ANSWER = 200  # BankItem.answer

TYPE_LABELS = {"口算": "oral", "填空": "fill", "填空题": "fill", "选择": "choice", "选择题": "choice", "判断": "judge",
               "判断题": "judge", "计算": "calc", "计算题": "calc", "解决问题": "word", "应用题": "word", "其他": "other"}
LAYER_LABELS = {"基础": "basic", "a": "basic", "a层": "basic", "提高": "extended", "b": "extended", "b层": "extended",
                "拓展": "challenge", "c": "challenge", "c层": "challenge"}


@dataclass
class Question:
    """One parsed question; `number` is the label the teacher wrote (题号) or the Excel row."""

    number: str
    stem: str = ""
    answer: str = ""
    solution: str = ""
    item_type: str = ""
    kp_text: str = ""
    layer: str = "basic"
    minutes: str = "1"
    source: str = ""
    choices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class QuestionsRefused(ValueError):
    """Some questions are incomplete or invalid; `problems` are Chinese messages naming the question."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems[:5]))


def _norm(text: str) -> str:
    """Stripped, without zero-width characters; the text itself (full-width punctuation, ……) is kept."""
    return (text or "").replace("\u200b", "").replace("\ufeff", "").strip()


# one character for one character, so positions found in the folded line hold in the original line
_FOLD = str.maketrans("０１２３４５６７８９．（）：　ＡＢＣＤ", "0123456789.(): ABCD")


def _excel_text(value: str) -> str:
    """Cells come NFKC-folded from the shared reader, which turns 「……」 into six dots: put it back."""
    return re.sub(r"\.{6}", "……", _norm(value))


# ---- Word ----------------------------------------------------------------------------------------------------

_NUMBERED = [re.compile(r"^(\d{1,3})(?:\s*[、．]|\s*\.(?!\d))\s*(.*)$"), re.compile(r"^\((\d{1,3})\)\s*(.*)$"),
             re.compile(r"^第\s*(\d{1,3})\s*题[.、:：]?\s*(.*)$")]
_FIELD = re.compile(r"^[【\[]?(答案|解析|知识点|题型|层级|用时|来源)[】\]]?\s*[:：]?\s*(.*)$")
_FIELD_NAMES = {"答案": "answer", "解析": "solution", "知识点": "kp_text", "题型": "item_type", "层级": "layer",
                "用时": "minutes", "来源": "source"}
_CHOICE = re.compile(r"^[A-D][.、．]\s*\S")


def _check_docx_container(data: bytes) -> None:
    if not data:
        raise ImportFileError("文件是空的，请检查后重新上传")
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），上限为 {MAX_BYTES // 1024 // 1024} MB；"
                              "请删去图片或拆分后再上传")
    if data.startswith(OLE_MAGIC):
        raise ImportFileError("这是加密的 Word 文件或旧版 .doc 文件：请去掉密码，并在 Word/WPS 中另存为 .docx 后再上传")
    if not data.startswith(ZIP_MAGIC):
        raise ImportFileError("文件不是有效的 Word 文档（.docx），请在 Word/WPS 中另存为 .docx 后再上传")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # BadZipFile, EOFError, NotImplementedError, ValueError …
        raise ImportFileError("文件已损坏（无法解压），请在 Word/WPS 中重新保存为 .docx 后再上传") from None
    if len(infos) > MAX_ENTRIES:
        raise ImportFileError(f"文件结构异常（包含 {len(infos)} 个内部条目），已拒绝处理")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise ImportFileError("文件解压后过大，疑似压缩炸弹，已拒绝处理")
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError("文件压缩比异常，疑似压缩炸弹，已拒绝处理")
        if info.flag_bits & 0x1:
            raise ImportFileError("文件已加密，请去掉密码后另存为 .docx 再上传")
    names = {i.filename for i in infos}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise ImportFileError("压缩包不是 Word 文档（缺少 word/document.xml）：请上传 .docx 文件")


def docx_lines(data: bytes) -> list[str]:
    """The non-empty paragraph texts of a .docx (tables read cell by cell), normalised."""
    _check_docx_container(data)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        paragraphs = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                for c in row.cells:
                    paragraphs.extend(p.text for p in c.paragraphs)
    except Exception:  # lxml errors, KeyError of missing parts, ValueError of bad content types …
        raise ImportFileError("Word 文档内容已损坏，无法读取：请在 Word/WPS 中打开并另存为 .docx 后再上传") from None
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise ImportFileError(f"文档段落过多（{len(paragraphs)} 段），请拆分后再上传")
    lines = []
    for text in paragraphs:
        lines.extend(t for t in (_norm(x) for x in (text or "").splitlines()) if t)
    return lines


def questions_from_lines(lines: list[str]) -> list[Question]:
    """Numbered questions (「1.」「1、」「（1）」「第1题」) with their 答案/解析/知识点… lines."""
    questions: list[Question] = []
    current: Question | None = None
    last_field = "stem"
    for line in lines:
        folded = line.translate(_FOLD)
        numbered = next((m for p in _NUMBERED if (m := p.match(folded))), None)
        fld = _FIELD.match(folded)
        if numbered:
            current = Question(number=numbered.group(1), stem=line[numbered.start(2):].strip())
            questions.append(current)
            last_field = "stem"
            if len(questions) > MAX_QUESTIONS:
                raise ImportFileError(f"一次最多导入 {MAX_QUESTIONS} 道题，请拆分文件后再上传")
        elif current is None:
            continue  # a title or instructions before the first question
        elif fld:
            last_field = _FIELD_NAMES[fld.group(1)]
            setattr(current, last_field, line[fld.start(2):].strip())
        elif last_field == "stem" and _CHOICE.match(folded):
            current.choices.append(line)
        else:
            value = getattr(current, last_field)
            setattr(current, last_field, f"{value}\n{line}" if value else line)
    if not questions:
        raise ImportFileError("文档中没有找到编号的题目：每道题请以「1.」「1、」或「（1）」开头，"
                              "答案写在以「答案：」开头的一行")
    return questions


def read_docx(data: bytes) -> list[Question]:
    questions = questions_from_lines(docx_lines(data))
    check_questions(questions, where="第{n}题")
    return questions


# ---- Excel ---------------------------------------------------------------------------------------------------

HEADERS = {
    "stem": {"题干", "题目", "题目内容"}, "answer": {"答案", "参考答案"}, "solution": {"解析", "解答", "详解"},
    "item_type": {"题型"}, "kp_text": {"知识点"}, "layer": {"层级", "难度层级", "分层"},
    "minutes": {"用时", "预计用时", "用时(分钟)", "预计用时(分钟)"}, "source": {"来源", "出处"},
}


def read_excel(data: bytes, file_name: str) -> list[Question]:
    sheets = read_workbook(data, file_name, Limits(max_bytes=MAX_BYTES, max_rows=5000, max_cols=50))
    for sheet in sheets:
        found = find_header(sheet, HEADERS, {"stem"})
        if found is None:
            continue
        header_row, cols = found
        if "answer" not in cols:
            raise ImportFileError(f"工作表「{sheet.name}」缺少「答案」列（需要的列：题干、答案；可选：解析、题型、知识点、层级、用时、来源）")
        questions = []
        for r, row in enumerate(sheet.rows[header_row + 1:], start=header_row + 2):
            values = {k: _excel_text(text_of(row[c])) if c < len(row) else "" for k, c in cols.items()}
            if not any(values.values()):
                continue
            questions.append(Question(number=str(r), **{k: v for k, v in values.items() if v or k not in ("layer", "minutes")}))
            if len(questions) > MAX_QUESTIONS:
                raise ImportFileError(f"一次最多导入 {MAX_QUESTIONS} 道题，请拆分文件后再上传")
        if not questions:
            raise ImportFileError(f"工作表「{sheet.name}」没有题目（表头下面是空的）")
        check_questions(questions, where="第{n}行")
        return questions
    raise ImportFileError("没有找到表头：第一行请写「题干、答案、解析、题型、知识点、层级、用时、来源」（至少题干和答案）")


# ---- checks shared by both -------------------------------------------------------------------------------------

def check_questions(questions: list[Question], *, where: str) -> None:
    """Validate and normalise in place (type, layer, minutes); raise QuestionsRefused naming every bad one."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for q in questions:
        at = where.format(n=q.number)
        if where.startswith("第{n}题") and q.number in seen:
            problems.append(f"{at}：题号重复")
        seen[q.number] = 1
        if not q.stem:
            problems.append(f"{at}：缺少题干")
        elif len(q.stem) > MAX_STEM:
            problems.append(f"{at}：题干过长（{len(q.stem)} 字，上限 {MAX_STEM} 字）")
        if not q.answer:
            problems.append(f"{at}：缺少答案（请写一行「答案：…」）")
        elif len(q.answer) > MAX_ANSWER:
            problems.append(f"{at}：答案过长（{len(q.answer)} 字，上限 {MAX_ANSWER} 字；较长的解答请写在「解析」里）")
        raw_type = q.item_type.strip()
        if raw_type:
            if raw_type not in TYPE_LABELS:
                problems.append(f"{at}：题型「{raw_type}」无法识别（可用：口算、填空、选择、判断、计算、解决问题、其他）")
            q.item_type = TYPE_LABELS.get(raw_type, "other")
        else:
            q.item_type = "choice" if q.choices else ""  # the importer guesses from the stem
        raw_layer = (q.layer or "基础").strip().lower()
        if raw_layer not in LAYER_LABELS and raw_layer not in ("basic", "extended", "challenge"):
            problems.append(f"{at}：层级「{q.layer}」无法识别（可用：基础、提高、拓展）")
        q.layer = LAYER_LABELS.get(raw_layer, raw_layer)
        try:
            minutes = Decimal((q.minutes or "1").replace("分钟", "").strip())
            if not Decimal("0.1") <= minutes <= 120:
                raise InvalidOperation
            q.minutes = str(minutes.quantize(Decimal("0.1")))
        except (InvalidOperation, ValueError):
            problems.append(f"{at}：用时「{q.minutes}」应是 0.1–120 之间的分钟数")
        if len(q.source) > 100:
            problems.append(f"{at}：来源过长（上限 100 字）")
    if problems:
        raise QuestionsRefused(problems)
