"""KP suggestions for imported questions (pure Python): the 知识点 text through the curriculum's KPMatcher,
the arithmetic in the stem (分数/小数/整数, which operation, digit counts) through the generators' KPs, and
the stem's words against the KP names (share of the name's character bigrams found in the stem)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from yincai.curriculum.matching import Candidate, KPMatcher, normalise, split_labels

MIN_OVERLAP = 0.5


def arithmetic_codes(stem: str, grade: int, answer: str = "") -> list[str]:
    """KP codes of the computation a stem asks for, most specific first; [] when it is not a computation."""
    s = stem.replace("\\times", "×").replace("\\div", "÷").replace("*", "×")
    s = re.sub(r"\\frac\{(\d+)\}\{(\d+)\}", r"\1/\2", s)
    if "简便" in s:
        return ["M4B05"]
    if re.search(r"\d\s*x|x\s*[+\-×÷=]|方程", s):
        return ["M5A10"]
    ops = set(re.findall(r"[+\-×÷]", s))
    if not ops:
        return []
    if re.search(r"\d/\d", s):
        if ops & {"×", "÷"}:
            return ["M6A06", "M6A02"] if "÷" in ops else ["M6A02", "M6A01"]
        return ["M3A12"] if grade <= 3 else ["M5B15", "M5B16"]
    if re.search(r"\d\.\d", s):
        if "÷" in ops:
            return ["M5A06", "M5A05"]
        if "×" in ops:
            return ["M5A02", "M5A01"]
        return ["M3B11"] if grade <= 3 else ["M4B11"]
    numbers = [int(n) for n in re.findall(r"\d+", s)]
    if not numbers:
        return []
    if "÷" in ops:
        m = re.search(r"÷\s*(\d+)", s)
        divisor = int(m.group(1)) if m else 1
        if divisor >= 10:
            return ["M4A11", "M4A10"]
        if re.search(r"…|\.\.\.|余", answer):
            return ["M2B07", "M3B03"]
        return ["M3B03", "M2B07"] if max(numbers) > 81 else ["M2B05", "M2B07"]
    if "×" in ops:
        big = sorted(numbers)[-2:]
        if len(big) == 2 and big[0] >= 10:
            return ["M3B06", "M4A06"] if big[1] < 100 else ["M4A06"]
        return ["M3A08"] if max(numbers) >= 10 else ["M2A10", "M2A08"]
    top = max(numbers)
    if top <= 20:
        return ["M1A14", "M1B02"]
    if top <= 100:
        return ["M2A03", "M2A04"]
    return ["M3A04", "M3A05"]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _label(c: Candidate) -> str:
    return f"{c.code} {c.name}（{c.grade}{c.semester}）"


def suggest_kps(stem: str, kp_text: str, *, matcher: KPMatcher, candidates: Sequence[Candidate], grade: int,
                answer: str = "", limit: int = 4) -> list[dict[str, Any]]:
    """Ranked suggestions, each {"kp_ids", "text", "why"}; the first one is preselected in the preview."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, ...]] = set()

    def add(ids: Sequence[int], text: str, why: str) -> None:
        key = tuple(sorted(ids))
        if key and key not in seen:
            seen.add(key)
            out.append({"kp_ids": list(key), "text": text, "why": why})

    by_id = {c.id: c for c in candidates}
    for label in split_labels(kp_text):
        m = matcher.match(label)
        if m.matched:
            add(m.kp_ids, "、".join(_label(by_id[i]) for i in m.kp_ids if i in by_id) or label, "知识点")
        for s in m.suggestions[:2]:
            add(s.kp_ids, s.text, "知识点（相近）")
    by_code = {c.code: c for c in candidates}
    for code in arithmetic_codes(stem, grade, answer):
        if code in by_code:
            add([by_code[code].id], _label(by_code[code]), "算式")
    words = normalise(re.sub(r"\$[^$]*\$|[\d.]+", " ", stem))
    grams = _bigrams(words)
    if grams:
        scored = []
        for c in candidates:
            name_grams = _bigrams(normalise(c.name))
            if not name_grams:
                continue
            score = len(name_grams & grams) / len(name_grams) + (0.1 if c.grade == grade else 0.0)
            if score >= MIN_OVERLAP:
                scored.append((score, c))
        scored.sort(key=lambda t: (-t[0], abs(t[1].grade - grade), t[1].code))
        for _, c in scored[:limit]:
            add([c.id], _label(c), "题干文字")
    return out[:limit]


def guess_item_type(stem: str, grade: int) -> str:
    """题型 of an imported question that did not say: a bare computation is 计算 (口算 in grades 1–2),
    a question sentence 解决问题, a blank to fill 填空."""
    if re.search(r"_{2,}|（\s*）|\(\s*\)", stem):
        return "fill"
    if re.search(r"[？?]", stem):
        return "word"
    if arithmetic_codes(stem, grade):
        return "oral" if grade <= 2 else "calc"
    return "other"
