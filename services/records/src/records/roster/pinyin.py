"""The pinyin forms of a person's name, kept beside it so people can be found by ``zhangwei`` or ``zw``.

``full`` is every syllable spelled out (``zengxiaoming``); ``short`` holds the initials (``zxm``) and
the surname spelled out before the given name's initials (``zengxm``), space-separated. A search
term matches a name when it is part of the name, of ``full`` or of one of the ``short`` forms.
A surname with a reading of its own (单 shan, not dan; 曾 zeng, not ceng) is read as a surname:
pypinyin reads a character as in ordinary words, so the first character is looked up here first.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

#: readings of characters as surnames where they differ from the common reading pypinyin gives
SURNAMES = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou", "盖": "ge",
    "缪": "miao", "覃": "qin", "乐": "yue", "翟": "zhai", "种": "chong", "召": "shao", "员": "yun", "秘": "bi",
    "尉": "yu", "黑": "he", "万": "wan", "长": "chang", "折": "she", "句": "gou", "隗": "wei", "洗": "xian",
    "冼": "xian", "繁": "po", "啜": "chuai", "褚": "chu", "柏": "bai", "薄": "bo", "重": "chong", "相": "xiang",
    "教": "jiao", "阚": "kan", "那": "na", "宓": "fu", "蕃": "pi", "郇": "huan",
}
#: compound surnames, read whole
COMPOUND_SURNAMES = {"万俟": ("mo", "qi"), "尉迟": ("yu", "chi"), "长孙": ("zhang", "sun"), "单于": ("chan", "yu"),
                     "澹台": ("tan", "tai"), "欧阳": ("ou", "yang"), "令狐": ("ling", "hu"), "皇甫": ("huang", "fu")}


def syllables(name: str) -> tuple[list[str], int]:
    """The name's syllables (letters and digits only, lower case) and how many of them are the surname."""
    name = name.strip()
    head: list[str] = []
    rest = name
    compound = COMPOUND_SURNAMES.get(name[:2]) if len(name) > 2 else None
    if compound is not None:
        head, rest = list(compound), name[2:]
    elif name[:1] in SURNAMES and len(name) > 1:
        head, rest = [SURNAMES[name[0]]], name[1:]
    tail = [s for s in (_clean(t) for t in lazy_pinyin(rest, style=Style.NORMAL, errors="default")) if s]
    if not head and tail:
        return tail, 1
    return head + tail, len(head)


def _clean(token: str) -> str:
    return "".join(c for c in token.lower() if c.isascii() and c.isalnum())


@lru_cache(maxsize=65_536)  # names repeat (张伟, 王芳): a roster of a province spells each once
def forms(name: str) -> tuple[str, str]:
    """``(full, short)`` for a name: ``("zengxiaoming", "zxm zengxm")``."""
    parts, surname = syllables(name)
    full = "".join(parts)
    initials = "".join(p[0] for p in parts)
    mixed = "".join(parts[:surname]) + "".join(p[0] for p in parts[surname:])
    short = initials if mixed == initials or mixed == full else f"{initials} {mixed}"
    return full[:255], short[:255]
