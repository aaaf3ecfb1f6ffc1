"""Text in every script keeps its own punctuation; the repairs cleaning makes still happen.

Given an article in Chinese, Japanese, Arabic, Russian or Hindi with the punctuation its
writers use (full-width （，：；！？, 「」。、, ، ؛ ؟, «», । ॥), a line of mojibake and a line of odd
spaces, when it is cleaned, every punctuation mark is still there, the mojibake is repaired
and the spaces are made plain.
"""

import unicodedata
from collections import Counter

import pytest
from corpus_helpers import clean_text

# Sentences written for these tests: (title, paragraph with the script's punctuation, a sentence
# that arrives as mojibake, a sentence that arrives with odd spaces).
ARTICLES = {
    "Chinese": (
        "港口工人结束罢工",
        "工会表示（周一），双方已达成协议：工资提高百分之五；工人明天复工！真的吗？“是的。”《港口报》、新华社报道。",
        "码头恢复运营。",
        "货船 开始 装卸。",
    ),
    "Japanese": (
        "港の労働者がストを終える",
        "組合は「合意に達した」と述べた。賃金は５％上がる（来年から）、作業は明日再開する！本当？『港湾新聞』・共同通信。",
        "港は通常どおり動いている。",
        "貨物船の 荷役が 始まった。",
    ),
    "Arabic": (
        "عمال الميناء ينهون الإضراب",
        "قال الاتحاد، يوم الاثنين، إن الطرفين اتفقا؛ هل يعود العمال غدا؟ «نعم» — قال المتحدث.",
        "عاد الميناء إلى العمل.",
        "بدأت السفن في التفريغ.",
    ),
    "Russian": (
        "Докеры завершили забастовку",
        "Профсоюз заявил: «Мы договорились» — и добавил… Зарплата вырастет на 5%; работа возобновится? Да!",
        "Порт снова работает.",
        "Суда начали разгрузку.",
    ),
    "Hindi": (
        "बंदरगाह के कर्मचारियों ने हड़ताल खत्म की",
        "संघ ने कहा, «समझौता हो गया है»। वेतन पाँच प्रतिशत बढ़ेगा; क्या काम कल शुरू होगा? हाँ! ॥",
        "बंदरगाह फिर से चालू है।",
        "जहाज़ों से माल उतरना शुरू हुआ।",
    ),
}


def mojibake(sentence: str) -> str:
    """The sentence's UTF-8 bytes read as Windows-1252 (Latin-1 where that has no character), as
    a scraper with the wrong encoding stores it."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in sentence.encode("utf-8"))


def odd_spaces(sentence: str) -> str:
    """The sentence with its spaces doubled or made no-break, and spaces at the line's end."""
    return sentence.replace(" ", "\u00a0 ", 1).replace(" ", "  ") + " \t"


def punctuation(text: str) -> Counter:
    return Counter(c for c in text if unicodedata.category(c).startswith("P") or 0xFF00 <= ord(c) <= 0xFFEF)


@pytest.mark.parametrize("script", sorted(ARTICLES))
def test_each_script_keeps_its_punctuation_and_is_still_repaired(script):
    title, paragraph, damaged, spaced = ARTICLES[script]
    assert mojibake(damaged) != damaged and odd_spaces(spaced) != spaced
    raw = "\n\n".join([title, paragraph, mojibake(damaged), odd_spaces(spaced)])
    doc = clean_text(raw)
    assert doc.text == "\n\n".join([title, paragraph, damaged, spaced])
    assert punctuation(doc.text) == punctuation("".join([title, paragraph, damaged, spaced]))
    assert punctuation(paragraph) - punctuation(doc.text) == Counter()
    # Every unchanged paragraph maps back to itself in the raw text.
    start = doc.text.index(paragraph)
    raw_start, raw_end = doc.cleaning.offset_map.clean_to_raw(start, start + len(paragraph))
    assert raw[raw_start:raw_end] == paragraph


def test_full_width_forms_are_the_writers_choice_not_damage():
    text = "Ａ社の２０１９年の売上（前年比）：１２％増！"
    assert clean_text(f"{text}\n\nSecond line.").text.startswith(text)


def test_the_width_fix_is_an_option_a_workspace_can_switch_on():
    from corpus.rules import CleaningContext, UnicodeRepair

    assert UnicodeRepair().propose("注意（重要）：明日", CleaningContext()) == []
    fixed = UnicodeRepair(fix_character_width=True).propose("注意（重要）：明日", CleaningContext())
    assert [e.replacement for e in fixed] == ["(", "):"]
