"""Does a copy mark itself as a reprint, and of whom? (merge/reprint.py,
issue #17). Pure: strings in, a record out."""

import pytest

from feedhub.merge.reprint import Reprint, reprint_mark

BODY = "<p>今年以来，长三角地区邮政快递企业围绕寄递服务协同发展，开展了一系列跨区域合作。</p><p>下一步将继续完善协同机制。</p>"
EN_BODY = "<p>Regional carriers agreed on shared standards for parcel lockers this week.</p><p>More talks follow.</p>"


def zh(title, html=BODY, own=("新华网",)):
    return reprint_mark(title, html, own)


def en(title, html=EN_BODY, own=("Daily Wire Service",)):
    return reprint_mark(title, html, own)


@pytest.mark.parametrize("title", ["【转载】理念互鉴", "[转载] 理念互鉴", "［转］理念互鉴", "转载：理念互鉴", "理念互鉴（转载）",
                                   "(转载)理念互鉴"])
def test_a_chinese_title_tag_marks_a_reprint_and_leaves_the_title(title):
    assert zh(title) == Reprint(True, None, "理念互鉴")


def test_a_title_tag_naming_the_origin():
    assert zh("【转自中国邮政快递报】理念互鉴") == Reprint(True, "中国邮政快递报", "理念互鉴")


def test_a_title_that_is_only_the_tag_is_kept():
    assert zh("【转载】").title == "【转载】"


@pytest.mark.parametrize("lead", ["编者按：本文转载自中国邮政快递报，略有删改。", "本文转自《中国邮政快递报》", "转载自：中国邮政快递报"])
def test_a_reprint_line_names_the_origin(lead):
    assert zh("理念互鉴", f"<p>{lead}</p>{BODY}") == Reprint(True, "中国邮政快递报", "理念互鉴")


@pytest.mark.parametrize("tail", ["（文章来源：中国邮政快递报）", "来源：中国邮政快递报", "【来源：中国邮政快递报】"])
def test_a_source_line_naming_another_outlet(tail):
    assert zh("理念互鉴", f"{BODY}<p>{tail}</p>") == Reprint(True, "中国邮政快递报", "理念互鉴")


@pytest.mark.parametrize("tail", ["（文章来源：新华网）", "来源：新华网客户端", "来源：本报记者 张三", "数据来源：国家统计局",
                                  "设备运转自如，效率提高。"])
def test_no_reprint_in_own_credits_data_sources_and_words(tail):
    assert zh("理念互鉴", f"{BODY}<p>{tail}</p>") == Reprint(False, None, "理念互鉴")


def test_the_feed_title_is_an_own_name_too():
    assert not reprint_mark("理念互鉴", f"{BODY}<p>来源：新华网</p>", ("xinhua", "新华网")).marked


def test_only_the_edges_of_the_text_are_read():
    middle = "".join(f"<p>第{i}段。</p>" for i in range(10))
    html = middle[:40] + "<p>他说，这条消息转自朋友圈，来源：某网</p>" + middle[40:] + "<p>结尾。</p>" * 4
    assert not zh("理念互鉴", html).marked


def test_a_long_source_line_is_prose():
    line = "来源：" + "这是一段很长的正文" * 10
    assert not zh("理念互鉴", f"{BODY}<p>{line}</p>").marked


@pytest.mark.parametrize("title,origin", [("Markets rally (via Reuters)", "Reuters"), ("Markets rally - via AP", "AP"),
                                          ("[Reprint] Markets rally", None), ("Reprint: Markets rally", None)])
def test_english_titles(title, origin):
    assert en(title) == Reprint(True, origin, "Markets rally")


@pytest.mark.parametrize("line,origin", [("Source: Reuters", "Reuters"), ("Via The Conversation", "The Conversation"),
                                         ("This article was originally published by The Conversation.",
                                          "The Conversation"),
                                         ("Originally published by Grist on May 3, 2024.", "Grist")])
def test_english_lines(line, origin):
    assert en("Markets rally", f"{EN_BODY}<p>{line}</p>") == Reprint(True, origin, "Markets rally")


@pytest.mark.parametrize("title,html", [("Trucks go via the tunnel", EN_BODY),
                                        ("Markets rally", EN_BODY + "<p>Viable options remain.</p>"),
                                        ("Markets rally", EN_BODY + "<p>Source: Daily Wire Service</p>")])
def test_no_english_reprint_in_headlines_words_and_own_credits(title, html):
    assert not en(title, html).marked


def test_english_markers_count_in_english_copies_only():
    # "Source:" and "via" in a Chinese copy are no outlet's words.
    html = f"{BODY}<p>Source: Reuters</p>"
    assert zh("理念互鉴 (via Reuters)", html) == Reprint(False, None, "理念互鉴 (via Reuters)")


def test_a_long_text_is_read_at_its_edges_only():
    body = "<p>" + "长文。" * 3000 + "</p>"
    assert zh("理念互鉴", "<p>本文转自中国邮政快递报</p>" + body).origin == "中国邮政快递报"
    assert zh("理念互鉴", body + "<p>（来源：中国邮政快递报）</p>").origin == "中国邮政快递报"
