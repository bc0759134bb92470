"""Identifying tokens: the numbers, dates, weekdays, trading sessions and
places of a cleaned title or text (text_cleanup.py), which tell one article
of a series from the next (dedupe.py's rules a and c).

Numbers keep their unit: 6月, 12日, 3%, 12号; Chinese numerals before a
date or ordinal unit are converted, so 第十二号 = 第12号. Then month-day
dates, weekdays, trading sessions (早盘/收盘, morning), and place names
(provinces, large cities, countries, US states, a few hundred names matched
from a list; in titles also any "XX市/省/县").

The word lists are most of this module's lines; they are kept apart from the
rules that use the tokens.
"""

from __future__ import annotations

import functools
import re

from feedhub.merge.text_cleanup import CJK, IS_CJK

# (Starting with \s, not with the lookbehind, makes it faster: see _NUMBER.)
_CJK_SPACE = re.compile(f"\\s(?<=[{CJK}]\\s)\\s*(?=[{CJK}])")

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def _cn_number(s: str) -> int | None:
    if all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s))  # 二〇二四
    total = section = num = 0
    for c in s:
        if c in _CN_DIGIT:
            num = _CN_DIGIT[c]
        elif c in _CN_UNIT:
            section += (num or 1) * _CN_UNIT[c]
            num = 0
        elif c == "万":
            total += (section + num) * 10000
            section = num = 0
        else:
            return None
    return total + section + num


_UNIT = {"年": "年", "月": "月", "日": "日", "号": "号", "時": "时", "时": "时", "点": "点", "期": "期", "季度": "季",
         "季": "季", "届": "届", "次": "次", "批": "批", "轮": "轮", "章": "章", "集": "集", "版": "版", "%": "%",
         "周年": "周年", "号文": "号"}
_UNITS = "周年|号文|季度|年|月|日|号|时|時|点|期|季|届|次|批|轮|章|集|版|%"
# "\d\d*" is "\d+" and "[…][…]*" is "[…]+", spelled so that the pattern starts
# with a bare character class: the regex engine then skips to the next digit
# in a tight loop instead of trying a match at every position (a repeat does
# not allow that), which halves these scans over a long text.
_NUMBER = re.compile(r"(\d\d*(?:\.\d+)?)\s*(" + _UNITS + r"|st\b|nd\b|rd\b|th\b)?")
_CN_NUMERAL = "[〇零一二两三四五六七八九十百千万]"
_CN_NUMBER = re.compile(f"({_CN_NUMERAL}{_CN_NUMERAL}*)({_UNITS})")
_CN_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_WEEKDAYS = {"monday": "1", "tuesday": "2", "wednesday": "3", "thursday": "4", "friday": "5", "saturday": "6", "sunday": "7"}
_MONTHS = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5, "jun": 6,
           "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
           "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}
# A month name counts only next to a number ("June 12", "12 June"): alone, "may" and "march" are verbs.
_DAY_AFTER = re.compile(r"\.?\s+\d{1,2}(?!\d)")
_DAY_BEFORE = re.compile(r"(?<!\d)\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?$")
_SESSIONS = ("早盘", "午盘", "尾盘", "收盘", "开盘", "早评", "午评", "收评", "盘前", "盘中", "盘后", "早报", "午报", "晚报",
             "夜报", "上午", "下午", "晚间", "凌晨", "上半年", "下半年", "上旬", "中旬", "下旬", "前三季度", "全年")
_SESSION = re.compile("|".join(_SESSIONS) + r"|\b(?:morning|midday|afternoon|evening|overnight|pre-market|premarket)\b")
_WORD_NUMBERS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
                 "eighth": "8", "ninth": "9", "tenth": "10", "two": "2", "three": "3", "four": "4", "five": "5",
                 "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b")
_CN_PLACE_GENERIC = re.compile(f"([{CJK}]{{2}})(?:省|市|县|州|区)")

_CN_PLACES = """北京 上海 天津 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州
云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 石家庄 唐山 保定 邯郸 廊坊 沧州 秦皇岛 太原 大同 呼和浩特
包头 沈阳 大连 鞍山 长春 哈尔滨 大庆 南京 苏州 无锡 常州 南通 扬州 徐州 镇江 盐城 杭州 宁波 温州 绍兴 嘉兴 金华 台州
湖州 合肥 芜湖 福州 厦门 泉州 南昌 赣州 济南 青岛 烟台 潍坊 临沂 淄博 济宁 聊城 德州 威海 日照 泰安 菏泽 枣庄 滨州 东营
郑州 洛阳 开封 新乡 南阳 武汉 宜昌 襄阳 长沙 株洲 岳阳 广州 深圳 珠海 佛山 东莞 惠州 汕头 湛江 江门 南宁 桂林 柳州 海口
三亚 成都 绵阳 贵阳 遵义 昆明 西安 兰州 西宁 银川 乌鲁木齐 拉萨 雄安 浦东 美国 英国 法国 德国 日本 韩国 朝鲜 俄罗斯
印度 巴西 加拿大 澳大利亚 意大利 西班牙 荷兰 瑞士 瑞典 挪威 芬兰 丹麦 波兰 乌克兰 土耳其 伊朗 伊拉克 以色列 埃及
南非 墨西哥 阿根廷 新加坡 马来西亚 泰国 越南 菲律宾 印度尼西亚 印尼 巴基斯坦 沙特 阿联酋 欧盟 纽约 华盛顿 伦敦 巴黎 东京
首尔 柏林 莫斯科 悉尼 多伦多 洛杉矶 旧金山 硅谷 芝加哥 波士顿 西雅图 迪拜 曼谷 孟买""".split()
_EN_PLACES = """afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh belarus belgium
bolivia brazil bulgaria cambodia cameroon canada chile china colombia croatia cuba cyprus czechia denmark ecuador egypt
estonia ethiopia finland france georgia germany ghana greece hungary iceland india indonesia iran iraq ireland israel italy
jamaica japan jordan kazakhstan kenya kuwait laos latvia lebanon libya lithuania luxembourg malaysia mali malta mexico
moldova mongolia morocco myanmar nepal netherlands nigeria norway oman pakistan panama paraguay peru philippines poland
portugal qatar romania russia rwanda serbia singapore slovakia slovenia somalia spain sudan sweden switzerland syria taiwan
tanzania thailand tunisia turkey uganda ukraine uruguay uzbekistan venezuela vietnam yemen zambia zimbabwe scotland wales
england britain europe africa asia alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii
idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri
montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia wisconsin wyoming london
paris berlin madrid rome moscow beijing shanghai shenzhen guangzhou tokyo seoul delhi mumbai sydney melbourne toronto
vancouver montreal chicago boston seattle houston dallas austin denver atlanta miami philadelphia detroit phoenix portland
brooklyn manhattan washington dubai istanbul cairo lagos nairobi johannesburg singapore bangkok jakarta manila hanoi kyiv
kiev warsaw vienna prague budapest athens lisbon dublin amsterdam brussels zurich geneva stockholm oslo copenhagen helsinki
edinburgh manchester liverpool birmingham glasgow osaka kyoto taipei macau wuhan chengdu hangzhou nanjing tianjin""".split()
_EN_PLACES_2 = """new york|hong kong|los angeles|san francisco|san diego|san jose|las vegas|new jersey|new mexico|new hampshire
|new zealand|new delhi|north carolina|south carolina|north dakota|south dakota|west virginia|rhode island|north korea
|south korea|south africa|saudi arabia|united states|united kingdom|sri lanka|costa rica|puerto rico|el salvador
|new orleans|st louis|salt lake|tel aviv|abu dhabi|buenos aires|mexico city|kuala lumpur|rio de janeiro|sao paulo
|cape town|silicon valley|wall street|northern ireland""".replace("\n", "").split("|")


_CN_PLACE = re.compile("|".join(sorted(_CN_PLACES, key=len, reverse=True)))
_EN_PLACE_SET = frozenset(_EN_PLACES)
_EN_PLACE_2_SET = frozenset(_EN_PLACES_2)
_EN_PLACE_2_FIRST = frozenset(p.split()[0] for p in _EN_PLACES_2)
# A "word" is a maximal run of a-z.
_EN_WORD = re.compile(r"[a-z]+")
# The words that can yield a token: places, first words of two-word places,
# weekdays and months. Most words of a text are none of them, and a Python
# loop over every word was a third of signature()'s time, so identifying_tokens
# finds which of them occur (a set intersection with the text's words) and
# then where (a search for each).
_EN_KEY_WORDS = _EN_PLACE_SET | _EN_PLACE_2_FIRST | frozenset(_WEEKDAYS) | frozenset(_MONTHS)
_EN_KEY_WORDS_UTF8 = frozenset(w.encode() for w in _EN_KEY_WORDS)
# A string's words are what bytes.split() leaves of its UTF-8 once every byte
# but a-z is a space (UTF-8 writes any other character in bytes >= 0x80 or as
# the ASCII character itself): several times faster than _EN_WORD.findall().
_NON_LETTER_BYTES = bytes(b if 0x61 <= b <= 0x7A else 0x20 for b in range(256))


@functools.cache  # at most one pattern for each of _EN_KEY_WORDS_UTF8
def _word_pattern(word: bytes) -> re.Pattern[str]:
    """`word` as a whole word. The pattern starts with the literal word, which
    the regex engine finds fast; the lookbehind then rejects a letter before."""
    w = word.decode()
    return re.compile(f"{w}(?<![a-z]{w})(?![a-z])")


def _number_token(digits: str, unit: str | None) -> str:
    whole, dot, frac = digits.partition(".")
    value = (whole.lstrip("0") or "0") + (("." + frac.rstrip("0")) if dot and frac.rstrip("0") else "")
    unit = _UNIT.get(unit or "", "")
    return value + unit


def identifying_tokens(value: str, title: bool) -> list[tuple[int, str]]:
    """(position, token) for every number, date, weekday and place of a cleaned string."""
    out: list[tuple[int, str]] = []
    # (The tests of isascii(), has_cjk, "," and digits only skip regexes that could not match.)
    ascii_only = value.isascii()
    has_cjk = not ascii_only and IS_CJK.search(value) is not None
    # A space between two CJK characters is markup's doing ("北 京"), never the writer's.
    if has_cjk:
        value = _CJK_SPACE.sub("", value)
    if "," in value:
        value = _THOUSANDS.sub("", value)
    # In ASCII \d is 0-9, and ten substring tests are much faster than the scan.
    if not ascii_only or any(d in value for d in "0123456789"):
        for m in _NUMBER.finditer(value):
            out.append((m.start(), _number_token(m.group(1), m.group(2))))
    if has_cjk:
        for m in _CN_NUMBER.finditer(value):
            n = _cn_number(m.group(1))
            if n is not None:
                out.append((m.start(), _number_token(str(n), m.group(2))))
        for m in _CN_PLACE.finditer(value):
            out.append((m.start(), "@" + m.group()))
    out += _latin_word_tokens(value)
    if title:
        out += _title_only_tokens(value, has_cjk)
    return out


_TEXT_PLACES = frozenset("@" + p for p in (*_CN_PLACES, *_EN_PLACES, *_EN_PLACES_2))


def readable_in_text(token: str) -> bool:
    """Could a text yield this token, or only a title (_title_only_tokens)?
    A session word and an "XX市/区" guess not in the lists (会跨区 → @会跨)
    are read in titles only: a text never has them to agree with."""
    if token.startswith("s:"):
        return False
    return not token.startswith("@") or token in _TEXT_PLACES


def _latin_word_tokens(value: str) -> list[tuple[int, str]]:
    """Latin words: places, weekdays, month names next to a number."""
    out: list[tuple[int, str]] = []
    # (surrogatepass: a lone surrogate must not raise; it is no letter either way.)
    words = value.encode("utf-8", "surrogatepass").translate(_NON_LETTER_BYTES).split()
    hits = sorted((m.start(), m.end(), m.group()) for word in _EN_KEY_WORDS_UTF8.intersection(words)
                  for m in _word_pattern(word).finditer(value))
    skip_to = 0
    for start, end, word in hits:
        if start < skip_to:
            continue  # the second word of a two-word place
        if word in _EN_PLACE_2_FIRST:
            # The next word, whatever is between ("south-africa", "south, africa").
            nxt = _EN_WORD.search(value, end)
            if nxt and f"{word} {nxt.group()}" in _EN_PLACE_2_SET:
                out.append((start, f"@{word} {nxt.group()}"))
                skip_to = nxt.end()  # "south africa" is not also "@africa"
                continue
        if word in _EN_PLACE_SET:
            out.append((start, "@" + word))
        elif word in _WEEKDAYS:
            out.append((start, "wd" + _WEEKDAYS[word]))
        elif word in _MONTHS and (_DAY_AFTER.match(value, end) or _DAY_BEFORE.search(value, max(0, start - 12), start)):
            out.append((start, f"m{_MONTHS[word]}"))
    return out


def _title_only_tokens(value: str, has_cjk: bool) -> list[tuple[int, str]]:
    """Sessions, spelled-out numbers, Chinese weekdays and any "XX市/省/县": read in titles only."""
    out: list[tuple[int, str]] = []
    for m in _SESSION.finditer(value):
        out.append((m.start(), "s:" + m.group()))
    for m in _WORD_NUMBER.finditer(value):
        out.append((m.start(), _WORD_NUMBERS[m.group(1)]))
    if has_cjk:
        for m in _CN_WEEKDAY.finditer(value):
            out.append((m.start(), "wd" + ("7" if m.group(1) in "日天" else str(_CN_DIGIT[m.group(1)]))))
        for m in _CN_PLACE_GENERIC.finditer(value):
            out.append((m.start(), "@" + m.group(1)))
    return out
