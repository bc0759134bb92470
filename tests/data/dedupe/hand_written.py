"""Hand-written hard negatives for pairs.jsonl: different stories that look alike.

Series and templates (one text skeleton, other figures, cities, numbers or
dates) and follow-up stories of one event on another day. Every pair here is
labelled "different story" by construction. Figures are invented.
"""

from __future__ import annotations


def _fill(template: dict, values: dict) -> dict:
    return {"title": template["title"].format(**values), "text": template["text"].format(**values)}


def _pairs(kind: str, lang: str, template: dict, couples: list[tuple[dict, dict]]) -> list[dict]:
    return [{"a": _fill(template, a), "b": _fill(template, b), "duplicate": False, "kind": kind, "lang": lang,
             "origin": "hand-written"} for a, b in couples]


GDP = {
    "title": "{year}年{q}季度{city}经济运行情况",
    "text": "{year}年{q}季度，面对复杂多变的外部环境，{city}坚持稳中求进工作总基调，全市经济运行总体平稳、稳中有进。"
            "根据地区生产总值统一核算结果，{q}季度全市实现地区生产总值{gdp}亿元，按不变价格计算，同比增长{g}%。"
            "分产业看，第一产业增加值{p1}亿元，增长{g1}%；第二产业增加值{p2}亿元，增长{g2}%；第三产业增加值{p3}亿元，增长{g3}%。"
            "规模以上工业增加值同比增长{ind}%，社会消费品零售总额{retail}亿元，增长{rg}%。"
            "全市居民人均可支配收入{inc}元，同比增长{ig}%。 总的来看，{city}经济持续恢复向好，"
            "但也要看到，外部环境仍然复杂严峻，需求收缩、供给冲击、预期转弱三重压力依然存在。"
            "下阶段，要坚持稳字当头，推动经济实现质的有效提升和量的合理增长。",
}
_G1 = dict(year=2024, q="一", city="北京", gdp="10711.6", g="5.4", p1="18.2", g1="2.1", p2="1650.3", g2="4.6",
           p3="9043.1", g3="5.5", ind="4.1", retail="3517.2", rg="3.0", inc="22911", ig="4.9")
_G2 = dict(_G1, city="上海", gdp="11178.5", g="5.0", p1="17.5", g1="1.3", p2="2458.1", g2="4.2", p3="8702.9",
           g3="5.2", ind="2.9", retail="4303.6", rg="4.6", inc="24118", ig="4.7")
_G3 = dict(_G1, city="广州", q="一", gdp="7161.2", g="4.7", inc="19733")
_G4 = dict(_G3, q="二", gdp="14571.1", g="4.9", inc="38652", retail="5503.4")
_G5 = dict(_G1, city="聊城", gdp="701.4", g="6.1", p1="67.3", p2="280.5", p3="353.6", inc="7811", ig="5.8")
_G6 = dict(_G5, city="德州", gdp="858.9", g="6.3", p1="80.2", p2="345.1", p3="433.6", inc="8102", ig="6.0")

MARKET_CN = {
    "title": "A股收评：沪指{dir}{pct}%，{sector}板块领涨",
    "text": "{m}月{d}日，A股三大指数{trend}。截至收盘，沪指{dir}{pct}%，报{sh}点；深证成指{dir2}{pct2}%，报{sz}点；"
            "创业板指{dir3}{pct3}%，报{cy}点。沪深两市成交额{vol}亿元，较上一交易日{chg}{dvol}亿元。"
            "盘面上，{sector}板块领涨，{sector2}等板块跌幅居前。北向资金全天净{nb}{nbv}亿元。"
            "个股方面，两市超{up}只个股上涨，{lim}只个股涨停。 分析人士认为，当前市场情绪有所修复，但量能仍需进一步放大，"
            "短期指数或延续震荡格局，建议投资者关注业绩确定性较强的优质标的。",
}
_M1 = dict(m=6, d=12, trend="集体收涨", dir="涨", pct="0.31", sh="3037.47", dir2="涨", pct2="0.46", sz="9366.53",
           dir3="涨", pct3="0.71", cy="1817.48", vol="7122", chg="增加", dvol="245", sector="半导体", sector2="煤炭、银行",
           nb="买入", nbv="15.37", up="3200", lim="46")
_M2 = dict(_M1, d=13, trend="涨跌不一", dir="跌", pct="0.28", sh="3028.92", dir2="涨", pct2="0.12", sz="9377.83",
           dir3="跌", pct3="0.25", cy="1812.93", vol="6813", chg="减少", dvol="309", sector="汽车", sector2="电力、石油",
           nb="卖出", nbv="8.42", up="2100", lim="31")
_M3 = dict(_M1, m=7, d=1, sector="银行", pct="0.92", sh="2994.73", vol="7801", up="4100", lim="62")
_M4 = dict(_M3, d=2, sector="银行", pct="0.08", sh="2997.01", vol="6904", up="1900", lim="27", dir="涨")

MARKET_CN_SAME_TITLE = {
    "title": "午间收评：三大指数涨跌不一 成交额有所萎缩",
    "text": MARKET_CN["text"],
}

NOTICE = {
    "title": "国家税务总局关于发布出口退税率文库{ver}版的公告（{year}年第{n}号）",
    "text": "为准确执行出口退税政策，国家税务总局编制了{year}{ver}版出口退税率文库（以下简称{ver}版文库）。现将有关事项公告如下：" 
            "一、{ver}版文库已同步更新至国际贸易“单一窗口”平台和电子税务局。"
            "二、出口企业、外贸综合服务企业和其他单位可自{m}月{d}日起登录上述平台下载{ver}版文库，并及时更新出口退（免）税申报软件。"
            "三、本次文库调整涉及{items}个商品编码的退税率，具体以{ver}版文库为准。"
            "四、本公告自{m}月{d}日起施行。特此公告。 国家税务总局 {year}年{m}月{pd}日",
}
_N1 = dict(year=2024, n=12, ver="A", m=6, d=1, pd=28, items=145)
_N2 = dict(year=2024, n=13, ver="B", m=7, d=1, pd=26, items=87)
_N3 = dict(year=2023, n=3, ver="A", m=3, d=1, pd=21, items=210)
_N4 = dict(year=2023, n=4, ver="B", m=4, d=10, pd=30, items=64)

LOTTERY = {
    "title": "中国福利彩票双色球第{no}期开奖公告",
    "text": "中国福利彩票双色球游戏第{no}期开奖结果：红球号码为{reds}，蓝球号码为{blue}。"
            "本期全国销售总额为{sales}元，计奖后奖池金额为{pool}元。一等奖{n1}注，单注奖金为{p1}元；"
            "二等奖{n2}注，单注奖金为{p2}元；三等奖{n3}注，单注奖金为3000元。本期一等奖分落{where}。"
            "请中奖彩民在开奖之日起60个自然日内，持中奖彩票到指定地点兑奖，逾期未兑奖视为弃奖。",
}
_L1 = dict(no="2024068", reds="03 07 12 19 25 31", blue="09", sales="381,275,918", pool="1,873,254,770", n1=6,
           p1="6,871,026", n2=121, p2="174,308", n3=1893, where="广东2注、浙江1注、山东1注、四川2注")
_L2 = dict(no="2024069", reds="01 08 14 22 27 33", blue="04", sales="379,026,552", pool="1,902,118,364", n1=4,
           p1="8,120,557", n2=98, p2="201,006", n3=1702, where="江苏1注、河南2注、湖北1注")
_L3 = dict(no="2024070", reds="05 06 11 18 24 29", blue="16", sales="384,662,190", pool="1,865,331,007", n1=9,
           p1="5,602,118", n2=143, p2="150,227", n3=2011, where="北京1注、上海2注、广东3注、福建1注、云南2注")

FX = {
    "title": "{m}月{d}日人民币对美元中间价报{rate}，{dir}{bp}个基点",
    "text": "中国外汇交易中心公布，{year}年{m}月{d}日银行间外汇市场人民币汇率中间价为：1美元对人民币{rate}元，"
            "1欧元对人民币{eur}元，100日元对人民币{jpy}元，1港元对人民币{hkd}元，1英镑对人民币{gbp}元。"
            "前一交易日人民币对美元中间价报{prev}。业内人士表示，近期美元指数{trend}，"
            "人民币汇率在合理均衡水平上保持基本稳定。",
}
_F1 = dict(year=2024, m=6, d=12, rate="7.1106", dir="调升", bp=7, eur="7.6618", jpy="4.5262", hkd="0.91044",
           gbp="9.0825", prev="7.1113", trend="高位震荡")
_F2 = dict(_F1, d=13, rate="7.1123", dir="调贬", bp=17, eur="7.6827", jpy="4.5309", hkd="0.91068", gbp="9.1140",
           prev="7.1106", trend="有所回落")
_F3 = dict(_F1, m=7, d=3, rate="7.1315", dir="调贬", bp=7, prev="7.1308", eur="7.6599")
_F4 = dict(_F3, d=4, rate="7.1297", dir="调升", bp=18, prev="7.1315", eur="7.6811")

EXPRESS = {
    "title": "国家邮政局：{m}月全国快递业务量完成{vol}亿件",
    "text": "国家邮政局公布{year}年{m}月邮政行业运行情况。{m}月，全国邮政行业寄递业务量完成{total}亿件，同比增长{tg}%。"
            "其中，快递业务量完成{vol}亿件，同比增长{vg}%；快递业务收入完成{rev}亿元，同比增长{rg}%。"
            "分地区看，东、中、西部地区快递业务量比重分别为{e}%、{c}%和{w}%。"
            "{year}年1-{m}月，全国快递业务量累计完成{cum}亿件。 国家邮政局有关负责人表示，行业运行总体平稳，"
            "服务质量持续提升，农村寄递物流体系建设加快推进，快递进村覆盖率进一步提高。",
}
_E1 = dict(year=2024, m=4, vol="140.5", total="152.3", tg="22.9", vg="25.0", rev="1127.4", rg="16.9", e="74.9",
           c="17.9", w="7.2", cum="520.9")
_E2 = dict(_E1, m=5, vol="147.3", total="159.8", tg="20.1", vg="22.6", rev="1181.0", rg="14.2", e="75.3",
           c="17.6", w="7.1", cum="668.2")
_E3 = dict(_E1, year=2023, m=9, vol="117.8", total="129.1", tg="17.0", vg="19.1", rev="1001.4", rg="10.3",
           cum="923.4")

RAIN = {
    "title": "中央气象台{m}月{d}日{hh}时继续发布暴雨{color}色预警",
    "text": "中央气象台{m}月{d}日{hh}时继续发布暴雨{color}色预警：预计{m}月{d}日{hh}时至{m2}月{d2}日{hh}时，"
            "{regions}等地的部分地区有大到暴雨，其中{heavy}等地局地有大暴雨（{lo}～{hi}毫米）。"
            "上述地区局地伴有短时强降水、雷暴大风等强对流天气，最大小时降雨量{mh}～{mh2}毫米。"
            "防御指南：一、政府及相关部门按照职责做好防暴雨准备工作；二、交通管理部门应当根据路况在强降雨路段采取交通管制措施，"
            "在积水路段实行交通引导；三、切断低洼地带有危险的室外电源，暂停在空旷地方的户外作业，转移危险地带人员和危险建筑内居民。",
}
_R1 = dict(m=6, d=18, hh=18, m2=6, d2=19, color="黄", regions="广东中部、广西东部、福建西部、江西南部",
           heavy="广东清远、韶关", lo=100, hi=150, mh=50, mh2=70)
_R2 = dict(m=6, d=19, hh=18, m2=6, d2=20, color="橙", regions="广东北部、广西东北部、湖南南部、江西中南部",
           heavy="广西桂林、湖南郴州", lo=120, hi=180, mh=60, mh2=80)

HOUSING = {
    "title": "{m}月70城房价出炉：{city}新建商品住宅价格环比{dir}{x}%",
    "text": "国家统计局今日发布{year}年{m}月份70个大中城市商品住宅销售价格变动情况。数据显示，{m}月份，"
            "{city}新建商品住宅销售价格环比{dir}{x}%，同比{ydir}{y}%；二手住宅销售价格环比{dir2}{x2}%，同比{ydir2}{y2}%。"
            "国家统计局城市司首席统计师表示，{m}月份，各地区各部门认真落实促进房地产市场平稳健康发展的政策措施，"
            "部分城市房地产市场交易出现积极变化，一线城市新建商品住宅销售价格环比降幅收窄。",
}
_H1 = dict(year=2024, m=5, city="深圳", dir="下降", x="0.7", ydir="下降", y="6.6", dir2="下降", x2="0.9", ydir2="下降", y2="9.4")
_H2 = dict(_H1, city="杭州", x="0.4", y="3.2", x2="1.1", y2="8.7")
_H3 = dict(_H1, city="成都", m=6, dir="上涨", x="0.1", y="1.5", x2="0.6", y2="6.3")
_H4 = dict(_H3, city="西安", x="0.3", y="0.9", x2="0.8", y2="7.1")

EXAM = {
    "title": "{year}年{prov}省公务员考试公告发布 计划招录{n}人",
    "text": "{year}年{prov}省考试录用公务员公告{date}正式发布。本次考试计划招录公务员{n}人，其中省直机关{sz}人，"
            "市县机关{sx}人，乡镇机关{xz}人。报名时间为{reg}，笔试时间为{exam}。"
            "报考者须具有大学专科及以上学历，年龄为18周岁以上、35周岁以下。"
            "公告明确，乡镇机关拿出一定比例职位面向本地户籍或生源人员招考，并继续面向退役士兵、大学生村官等定向招录。",
}
_X1 = dict(year=2024, prov="山东", date="1月8日", n="7624", sz="1062", sx="3905", xz="2657", reg="1月9日至14日",
           exam="2月24日至25日")
_X2 = dict(_X1, prov="河南", date="1月12日", n="9067", sz="1208", sx="4822", xz="3037", reg="1月15日至19日")

MARKET_EN = {
    "title": "Stocks {close} as Dow {ddir} {pts} points; Nasdaq {ndir} {npct}%",
    "text": "U.S. stocks {close} on {weekday} as investors weighed {theme}. The Dow Jones Industrial Average {ddir} {pts} "
            "points, or {dpct}%, to {dow}. The S&P 500 {sdir} {spct}% to {sp}, while the Nasdaq Composite {ndir} {npct}% "
            "to {nas}. {sector} shares led the moves, while {sector2} lagged. Treasury yields were {ytrend}, with the "
            "benchmark 10-year yield at {y}%. West Texas Intermediate crude settled at ${oil} a barrel. Traders now price in "
            "a {prob}% chance that the Federal Reserve will cut rates at its next meeting, according to the CME FedWatch "
            "tool. \"The market is looking for confirmation that inflation is cooling,\" said one strategist.",
}
_ME1 = dict(close="close higher", weekday="Monday", theme="a fresh batch of earnings", ddir="gains", pts="188",
            dpct="0.49", dow="38,868.04", sdir="rose", spct="0.74", sp="5,360.79", ndir="jumps", npct="1.1",
            nas="17,343.55", sector="Technology", sector2="energy", ytrend="little changed", y="4.47", oil="77.74",
            prob="58")
_ME2 = dict(close="close lower", weekday="Tuesday", theme="hotter-than-expected inflation data", ddir="falls",
            pts="302", dpct="0.78", dow="38,566.41", sdir="fell", spct="0.55", sp="5,331.26", ndir="slips",
            npct="0.4", nas="17,271.02", sector="Utilities", sector2="chipmakers", ytrend="higher", y="4.55",
            oil="78.90", prob="47")
_ME3 = dict(_ME1, weekday="Thursday", pts="45", dpct="0.12", dow="39,112.16", npct="0.3", prob="61", oil="80.05")
_ME4 = dict(_ME3, weekday="Friday", pts="211", dpct="0.54", dow="39,323.21", npct="0.8", prob="66", oil="79.41")

EARNINGS = {
    "title": "{company} reports {q} revenue of ${rev} billion, beating estimates",
    "text": "{company} on {weekday} reported {q} results that topped Wall Street expectations, sending its shares up {up}% "
            "in extended trading. Revenue rose {g}% from a year earlier to ${rev} billion, compared with the ${est} "
            "billion analysts polled by LSEG had expected. Earnings per share came in at ${eps}, against estimates of ${eeps}. "
            "Cloud revenue grew {cg}% to ${cloud} billion. The company said it expects revenue of between ${lo} billion and "
            "${hi} billion for the current quarter. Chief executive officer said demand for its AI products remained strong "
            "and that the company would keep investing in data centers.",
}
_EA1 = dict(company="Oracle", q="fiscal second-quarter", weekday="Monday", up="6.1", g="8", rev="13.3", est="13.1",
            eps="1.34", eeps="1.32", cg="21", cloud="5.1", lo="14.1", hi="14.3")
_EA2 = dict(_EA1, q="fiscal third-quarter", weekday="Tuesday", up="4.2", g="7", rev="13.28", est="13.3", eps="1.41",
            eeps="1.38", cg="25", cloud="5.6", lo="14.6", hi="14.9")

FLOOD = {
    "title": "Flash flood warning issued for {county} County, {state} until {until}",
    "text": "The National Weather Service has issued a flash flood warning for {county} County in {state} until {until}. "
            "At {at}, Doppler radar indicated thunderstorms producing heavy rain across the warned area. Between {lo} and "
            "{hi} inches of rain have fallen, and an additional {more} inches are possible. Flash flooding is ongoing or "
            "expected to begin shortly. Locations impacted include {towns}. Turn around, don't drown when encountering "
            "flooded roads. Most flood deaths occur in vehicles. Residents are urged to move to higher ground now.",
}
_FL1 = dict(county="Harris", state="Texas", until="9:15 p.m.", at="6:02 p.m.", lo="2", hi="4", more="1 to 2",
            towns="Houston, Pasadena, Baytown and Bellaire")
_FL2 = dict(county="Travis", state="Texas", until="10:30 p.m.", at="7:11 p.m.", lo="3", hi="5", more="2",
            towns="Austin, Pflugerville, Lakeway and Manor")
_FL3 = dict(county="Cook", state="Illinois", until="11:45 a.m.", at="8:40 a.m.", lo="1", hi="3", more="1",
            towns="Chicago, Evanston, Cicero and Oak Park")

COVID = {
    "title": "{state} reports {n} new COVID-19 cases and {d} deaths on {weekday}",
    "text": "Health officials in {state} reported {n} new coronavirus cases and {d} additional deaths on {weekday}, "
            "according to the state's daily update. The seven-day average of new cases now stands at {avg}, {trend} from "
            "a week ago. Hospitals are treating {hosp} patients with the virus, including {icu} in intensive care. "
            "Since the pandemic began, the state has recorded {total} cases and {dtotal} deaths. About {vax}% of residents "
            "have completed their primary vaccine series. Officials urged residents to get boosters ahead of the holidays.",
}
_C1 = dict(state="Florida", n="5,412", d="31", weekday="Monday", avg="4,980", trend="up 6%", hosp="2,114", icu="402",
           total="7,488,205", dtotal="86,101", vax="70")
_C2 = dict(_C1, n="4,877", d="27", weekday="Tuesday", avg="5,024", trend="up 8%", hosp="2,150", icu="415",
           total="7,493,082", dtotal="86,128")
_C3 = dict(_C1, state="Georgia", n="2,209", d="12", avg="2,115", hosp="1,031", icu="190", total="3,104,552",
           dtotal="41,220", vax="57")

PYTHON = {
    "title": "Python {ver} is now available",
    "text": "Python {ver} is the {ordinal} maintenance release of Python {minor}. It contains around {n} bug fixes, "
            "build improvements and documentation changes since {prev}. Full details are in the changelog. "
            "The release was published on {date}. This release also updates the bundled copy of pip to {pip} and "
            "fixes {cves} security issues. Python {minor} is the newest major release of the Python programming language, "
            "and it contains many new features and optimizations compared to the previous feature release. "
            "Thanks to all of the many volunteers who help make Python development and these releases possible!",
}
_P1 = dict(ver="3.12.3", ordinal="third", minor="3.12", n="300", prev="3.12.2", date="April 9, 2024", pip="24.0",
           cves="two")
_P2 = dict(ver="3.12.4", ordinal="fourth", minor="3.12", n="250", prev="3.12.3", date="June 6, 2024", pip="24.0",
           cves="three")
_P3 = dict(ver="3.11.8", ordinal="eighth", minor="3.11", n="190", prev="3.11.7", date="February 6, 2024", pip="24.0",
           cves="one")
_P4 = dict(ver="3.11.9", ordinal="ninth", minor="3.11", n="165", prev="3.11.8", date="April 2, 2024", pip="24.0",
           cves="two")

MORTGAGE = {
    "title": "Mortgage rates {dir} for {streak} straight week, Freddie Mac says",
    "text": "The average rate on a 30-year fixed mortgage {dir2} to {r}% this week from {prev}% last week, Freddie Mac said "
            "on {weekday}. A year ago the rate averaged {ya}%. The average rate on 15-year fixed-rate mortgages, popular "
            "with homeowners refinancing their home loans, {dir2} to {r15}% from {prev15}% last week. "
            "\"Rates have {verb} for {streak} consecutive weeks, and the housing market is responding,\" the company's "
            "chief economist said. Applications for home loans {app} {appx}% from the prior week, according to the "
            "Mortgage Bankers Association.",
}
_MO1 = dict(dir="fall", streak="third", dir2="fell", r="6.86", prev="6.95", weekday="Thursday", ya="6.71", r15="6.16",
            prev15="6.17", verb="declined", app="rose", appx="1.9")
_MO2 = dict(_MO1, streak="fourth", r="6.78", prev="6.86", ya="6.77", r15="6.09", prev15="6.16", appx="0.9")
_MO3 = dict(_MO1, dir="rise", streak="second", dir2="rose", r="7.22", prev="7.10", ya="6.39", r15="6.47",
            prev15="6.39", verb="climbed", app="fell", appx="2.7")

WEEKLY = {
    "title": "This Week in Rust {n}",
    "text": "Hello and welcome to another issue of This Week in Rust! Rust is a programming language empowering everyone "
            "to build reliable and efficient software. This is a weekly summary of its progress and community. "
            "Want something mentioned? Tag us or send us a pull request. Want to get involved? We love contributions. "
            "This week's crate is {crate}, a {what}. Thanks to {who} for the suggestion! "
            "Updates from the Rust project: {prs} pull requests were merged in the last week. "
            "Rust compiler performance triage: a {perf} week, with {reg} regressions and {imp} improvements. "
            "Quote of the week: \"{quote}\"",
}
_W1 = dict(n="550", crate="cargo-wizard", what="subcommand to configure Cargo projects for performance",
           who="Jakub Beránek", prs="412", perf="quiet", reg="2", imp="5", quote="Rust is the language where you get the hangover first.")
_W2 = dict(n="551", crate="ratatui", what="library to build rich terminal user interfaces", who="Orhun Parmaksız",
           prs="398", perf="mixed", reg="4", imp="3", quote="Compile times are the tax we pay for fearless refactoring.")
_W3 = dict(n="552", crate="jiff", what="datetime library for Rust", who="Andrew Gallant", prs="385", perf="good",
           reg="1", imp="7", quote="The borrow checker is a pair programmer who never sleeps.")

JOBS = {
    "title": "US economy added {n} jobs in {month}; unemployment rate at {u}%",
    "text": "U.S. employers added {n} jobs in {month}, the Labor Department said on Friday, {cmp} economists' forecast "
            "of {est}. The unemployment rate {udir} to {u}%. Average hourly earnings rose {w}% from the previous month "
            "and {wy}% from a year earlier. Job gains were led by health care, government and leisure and hospitality. "
            "Revisions to the previous two months subtracted {rev} jobs from earlier estimates. The report is one of the "
            "last major data points the Federal Reserve will see before its next policy meeting.",
}
_J1 = dict(n="272,000", month="May", cmp="well above", est="180,000", udir="rose", u="4.0", w="0.4", wy="4.1", rev="15,000")
_J2 = dict(n="206,000", month="June", cmp="above", est="190,000", udir="rose", u="4.1", w="0.3", wy="3.9", rev="111,000")


def _story(title: str, text: str) -> dict:
    return {"title": title, "text": text}


TYPHOON_BACKGROUND = ("今年第11号台风“摩羯”是今年以来登陆我国的最强台风，也是1949年以来登陆海南的最强秋台风。"
                      "受其影响，海南、广东、广西等地出现大范围强风暴雨天气，多地停课停工停业，铁路和航班大面积停运。")
OTHER_DAY = [
    (_story("台风“摩羯”9月6日下午在海南文昌沿海登陆",
            "记者从中央气象台获悉，9月6日16时20分前后，台风“摩羯”以超强台风级别在海南省文昌市翁田镇沿海登陆，"
            "登陆时中心附近最大风力有17级以上（62米/秒），中心最低气压为915百帕。 " + TYPHOON_BACKGROUND +
            " 海南省防汛防风防旱总指挥部将防风Ⅰ级应急响应维持，全省各级防汛部门全员在岗，转移安置群众近40万人。"),
     _story("台风“摩羯”9月7日在广西北海再次登陆",
            "记者从中央气象台获悉，9月7日16时20分前后，台风“摩羯”以强台风级别在越南广宁省沿海登陆，此前已于当日早些时候"
            "掠过广西北海近海，广西沿海出现12至14级大风。 " + TYPHOON_BACKGROUND +
            " 广西壮族自治区将防风Ⅰ级应急响应维持至8日，北海、防城港、钦州三市紧急转移群众超过20万人。")),
    (_story("神舟十八号载人飞船发射取得圆满成功",
            "据中国载人航天工程办公室消息，北京时间2024年4月25日20时59分，搭载神舟十八号载人飞船的长征二号F遥十八运载火箭"
            "在酒泉卫星发射中心点火发射，约10分钟后，飞船与火箭成功分离，进入预定轨道，航天员乘组状态良好，发射取得圆满成功。"
            "这是我国载人航天工程进入空间站应用与发展阶段的第3次载人飞行任务。"),
     _story("神舟十八号载人飞船与空间站组合体完成自主快速交会对接",
            "据中国载人航天工程办公室消息，神舟十八号载人飞船入轨后，于北京时间2024年4月26日3时32分，"
            "成功对接于空间站天和核心舱径向端口，整个对接过程历时约6.5小时。"
            "这是我国载人航天工程进入空间站应用与发展阶段的第3次载人飞行任务，航天员乘组随后将从飞船返回舱进入轨道舱。")),
    (_story("2024年高考今日开考 1342万考生赴考",
            "6月7日，2024年全国高考拉开帷幕，今年高考报名人数1342万人，比去年增加51万人。"
            "教育部会同有关部门加强考试安全管理，严厉打击涉考违法犯罪行为，确保高考安全平稳。"
            "各地交警、公交部门为考生出行提供便利，不少城市开通高考专线，为考生保驾护航。"),
     _story("高考第二天 各地考点秩序井然",
            "6月8日，2024年全国高考进入第二天，各地考点秩序井然。今年高考报名人数1342万人，比去年增加51万人。"
            "教育部会同有关部门加强考试安全管理，严厉打击涉考违法犯罪行为。不少地方今天结束全部科目考试，"
            "部分省份的选考科目考试将持续到6月9日或10日。")),
    (_story("第七届进博会开幕 152个国家和地区参展",
            "11月5日，第七届中国国际进口博览会在上海国家会展中心开幕。本届进博会共有152个国家、地区和国际组织参展，"
            "3496家展商参加企业展，世界500强和行业龙头企业数量达297家，规模和质量稳中有升。"
            "展会期间还将举办虹桥国际经济论坛等配套活动。"),
     _story("第七届进博会闭幕 按年计意向成交800.1亿美元",
            "11月10日，第七届中国国际进口博览会在上海闭幕。本届进博会按一年计意向成交800.1亿美元，比上届增长2%。"
            "本届进博会共有152个国家、地区和国际组织参展，3496家展商参加企业展，展期累计进场超过89万人次。"
            "第八届进博会将于明年11月5日至10日继续在上海举办。")),
    (_story("Jury selection begins in Smith fraud trial",
            "Jury selection began on Monday in the federal fraud trial of former crypto executive Daniel Smith, who is "
            "accused of diverting $120 million in customer funds. Smith, 41, has pleaded not guilty to seven counts of "
            "wire fraud and conspiracy. Judge Maria Lopez told prospective jurors the trial could last six weeks. "
            "Prosecutors say Smith used the money to buy real estate and political influence."),
     _story("Opening statements begin in Smith fraud trial",
            "Prosecutors told jurors on Tuesday that former crypto executive Daniel Smith \"lied to everyone\" as opening "
            "statements began in his federal fraud trial. Smith, 41, has pleaded not guilty to seven counts of wire fraud "
            "and conspiracy. A jury of 12 and six alternates was seated late Monday. Smith's lawyers argued he acted in "
            "good faith and relied on advice from the company's lawyers.")),
    (_story("Hurricane Ian makes landfall in southwest Florida as Category 4 storm",
            "Hurricane Ian made landfall near Cayo Costa, Florida, at 3:05 p.m. on Wednesday as a Category 4 storm with "
            "maximum sustained winds of 150 mph, the National Hurricane Center said. More than 2 million customers lost "
            "power. Storm surge of up to 18 feet was forecast for parts of the coast between Englewood and Bonita Beach. "
            "Governor Ron DeSantis urged residents to stay off the roads."),
     _story("Ian makes second landfall in South Carolina as Category 1 hurricane",
            "Ian made landfall again near Georgetown, South Carolina, at 2:05 p.m. on Friday as a Category 1 hurricane "
            "with maximum sustained winds of 85 mph, the National Hurricane Center said. The storm had crossed Florida "
            "as a Category 4 storm on Wednesday, leaving more than 2 million customers without power. "
            "Charleston reported flooding in its historic downtown.")),
    (_story("SpaceX scrubs Starship launch minutes before liftoff",
            "SpaceX called off the launch of its Starship rocket from Boca Chica, Texas, on Wednesday, June 5, about "
            "eight minutes before liftoff because of a pressurization issue in the booster. The company said it would try "
            "again the next day. The 397-foot rocket is the largest and most powerful ever built, and this is its fourth "
            "integrated test flight."),
     _story("SpaceX launches Starship on fourth test flight",
            "SpaceX launched its Starship rocket from Boca Chica, Texas, on Thursday, June 6, a day after a scrubbed "
            "attempt. The booster splashed down in the Gulf of Mexico about seven minutes after liftoff, and the ship "
            "survived reentry over the Indian Ocean. The 397-foot rocket is the largest and most powerful ever built, and "
            "this was its fourth integrated test flight.")),
]

HAND_PAIRS: list[dict] = []
HAND_PAIRS += _pairs("template", "zh", GDP, [(_G1, _G2), (_G3, _G4), (_G5, _G6)])
HAND_PAIRS += _pairs("template", "zh", MARKET_CN, [(_M1, _M2), (_M3, _M4)])
HAND_PAIRS += _pairs("template", "zh", MARKET_CN_SAME_TITLE, [(_M1, _M2), (_M3, _M4)])
HAND_PAIRS += _pairs("series", "zh", NOTICE, [(_N1, _N2), (_N3, _N4)])
HAND_PAIRS += _pairs("series", "zh", LOTTERY, [(_L1, _L2), (_L2, _L3)])
HAND_PAIRS += _pairs("template", "zh", FX, [(_F1, _F2), (_F3, _F4)])
HAND_PAIRS += _pairs("template", "zh", EXPRESS, [(_E1, _E2), (_E1, _E3)])
HAND_PAIRS += _pairs("other_day", "zh", RAIN, [(_R1, _R2)])
HAND_PAIRS += _pairs("template", "zh", HOUSING, [(_H1, _H2), (_H3, _H4)])
HAND_PAIRS += _pairs("template", "zh", EXAM, [(_X1, _X2)])
HAND_PAIRS += _pairs("template", "en", MARKET_EN, [(_ME1, _ME2), (_ME3, _ME4)])
HAND_PAIRS += _pairs("series", "en", EARNINGS, [(_EA1, _EA2)])
HAND_PAIRS += _pairs("template", "en", FLOOD, [(_FL1, _FL2), (_FL2, _FL3)])
HAND_PAIRS += _pairs("template", "en", COVID, [(_C1, _C2), (_C1, _C3)])
HAND_PAIRS += _pairs("series", "en", PYTHON, [(_P1, _P2), (_P3, _P4)])
HAND_PAIRS += _pairs("series", "en", MORTGAGE, [(_MO1, _MO2), (_MO1, _MO3)])
HAND_PAIRS += _pairs("series", "en", WEEKLY, [(_W1, _W2), (_W2, _W3)])
HAND_PAIRS += _pairs("template", "en", JOBS, [(_J1, _J2)])
HAND_PAIRS += [{"a": a, "b": b, "duplicate": False, "kind": "other_day", "lang": "zh" if any("\u4e00" <= c <= "\u9fff" for c in a["title"]) else "en",
                "origin": "hand-written"} for a, b in OTHER_DAY]


# One boilerplate text under different titles: job postings and podcast
# episodes. The titles differ in a slot; nothing else tells them apart.
JOB_EN = {
    "title": "{role} (Remote)",
    "text": "About us: We are a small, fully distributed team building tools that help newsrooms publish faster and "
            "reach readers wherever they are. We care about clear writing, honest feedback and sustainable pace. "
            "Our stack is Python, PostgreSQL and TypeScript, and we ship small changes many times a day. "
            "The role: As our new {role}, you will {duty}. You will work closely with {team} and help shape how we "
            "build the product. What we offer: a competitive salary, a generous learning budget, flexible hours and "
            "a home-office allowance. We welcome applicants from every background and encourage people from "
            "under-represented groups to apply. How to apply: send us a short note about yourself and a link to "
            "something you have built.",
}
_JB1 = dict(role="Senior Backend Engineer", duty="design and run the services that fetch, store and deliver articles",
            team="the platform team")
_JB2 = dict(role="Senior Frontend Engineer", duty="build the editor and reader interfaces used by our customers",
            team="the design team")
_JB3 = dict(role="Product Designer", duty="turn research into flows, prototypes and polished interfaces",
            team="product managers and engineers")
_JB4 = dict(role="Product Manager", duty="decide what we build next and why, together with our customers",
            team="design and engineering")

JOB_CN = {
    "title": "【招聘】{role}",
    "text": "公司简介：我们是一家专注于资讯聚合与内容分发的互联网公司，团队成员来自国内外知名企业，氛围开放，鼓励创新。"
            "公司已完成多轮融资，业务稳步增长，现因发展需要，诚聘优秀人才加入。 岗位职责：负责{duty}；"
            "参与技术方案设计与评审，推动团队工程质量持续提升。 任职要求：本科及以上学历，计算机相关专业；"
            "熟悉{skill}；具备良好的沟通能力和团队合作精神。 福利待遇：五险一金、带薪年假、弹性工作、定期体检、"
            "节日福利。 有意者请将简历发送至招聘邮箱，邮件标题注明应聘岗位及姓名，我们将尽快与您联系。",
}
_JC1 = dict(role="高级Java开发工程师", duty="后端服务的设计、开发与维护", skill="Java、Spring框架及分布式系统")
_JC2 = dict(role="高级前端开发工程师", duty="网页与移动端页面的开发与性能优化", skill="JavaScript、Vue或React框架")
_JC3 = dict(role="数据分析师", duty="业务数据的采集、清洗与分析，输出分析报告", skill="SQL、Python及常用统计方法")
_JC4 = dict(role="数据产品经理", duty="数据产品的规划与需求分析，推动产品落地", skill="数据仓库与常用分析工具")

PODCAST = {
    "title": "A conversation with {guest}",
    "text": "In this episode we sit down with {guest}, {bio}. We talk about how they got started, what they have learned "
            "along the way and what they would tell their younger self. This show is produced independently and is "
            "supported by listeners like you. If you enjoy it, please rate and review us wherever you get your podcasts, "
            "and share it with a friend. Become a member to get ad-free episodes and bonus content. Our theme music is by "
            "a friend of the show. Send us your questions and we may answer them in a future episode. Thanks for "
            "listening, and see you next time.",
}
_PD1 = dict(guest="Alice", bio="a designer who left a big agency to start her own studio")
_PD2 = dict(guest="Bob", bio="an engineer who spent a decade building payment systems")

BRIEFING_CN = {
    "title": "科技早报：今日要闻速览",
    "text": "早上好，以下是今天值得关注的科技新闻。 {a} {b} {c} 以上就是今天的科技早报，我们明天见。",
}
_BC1 = dict(a="苹果发布新款平板电脑，搭载自研芯片，屏幕和续航均有提升。",
            b="字节跳动调整组织架构，成立新的人工智能业务部门，由公司高管直接负责。",
            c="欧盟就数字市场法案的执行细则征求意见，多家大型科技公司表示将积极配合。")
_BC2 = dict(a="微软宣布旗下办公软件全面接入智能助手，企业用户可以申请试用。",
            b="蔚来发布新款电动汽车，售价较上一代有所下调，预计下月开启交付。",
            c="谷歌更新搜索算法，打击低质量内容农场，不少站长反映流量出现波动。")
BRIEFING_EN = {
    "title": "The Daily Tech Briefing",
    "text": "Good morning. Here is what you need to know in technology today. {a} {b} {c} That's it for today's briefing. "
            "Forward this to a friend who might enjoy it, and we will see you tomorrow.",
}
_BE1 = dict(a="Apple unveiled a new tablet with its own chip and a brighter screen.",
            b="A major social network is reorganizing its artificial intelligence teams under a single executive.",
            c="European regulators opened a consultation on how the Digital Markets Act will be enforced.")
_BE2 = dict(a="Microsoft is bringing its assistant to every office app, starting with business customers.",
            b="An electric carmaker cut prices on its best-selling model and promised deliveries next month.",
            c="Google changed its search ranking to push low-quality content farms further down the results.")

HAND_PAIRS += _pairs("template", "en", JOB_EN, [(_JB1, _JB2), (_JB3, _JB4)])
HAND_PAIRS += _pairs("template", "zh", JOB_CN, [(_JC1, _JC2), (_JC3, _JC4)])
HAND_PAIRS += _pairs("template", "en", PODCAST, [(_PD1, _PD2)])
HAND_PAIRS += _pairs("same_title", "zh", BRIEFING_CN, [(_BC1, _BC2)])
HAND_PAIRS += _pairs("same_title", "en", BRIEFING_EN, [(_BE1, _BE2)])

# Same title, a long shared intro and outro, different items: a newsletter.
READING_EN = {
    "title": "Weekend reading: the best of the web",
    "text": "Welcome to Weekend Reading, our weekly roundup of the stories we could not stop thinking about. Grab a coffee, "
            "find a comfortable chair and enjoy. As always, we would love to hear what you are reading too: reply to this "
            "email or leave a comment below. {a} {b} That's all for this week. If you enjoyed this roundup, forward it to a "
            "friend, and if someone forwarded it to you, you can sign up on our website. See you next weekend.",
}
_RE1 = dict(a="A long profile of the people who repair church organs, and why the craft is disappearing.",
            b="An essay on why every city seems to look the same now, from the cafes to the fonts on the shop signs.")
_RE2 = dict(a="How a small team of volunteers keeps an old encyclopedia of folk songs online without any funding.",
            b="A reporter spends a season with the people who count birds for science, and learns to count too.")
READING_CN = {
    "title": "周末读什么：编辑部推荐书单",
    "text": "又到周末了，编辑部照例为大家挑选了几本值得一读的好书。无论你喜欢小说、历史还是科普，总有一本适合你。"
            "欢迎在留言区分享你最近在读的书，我们会从留言中挑选几位读者送出新书。 {a} {b} "
            "以上就是本周的推荐书单，祝大家周末愉快，我们下周再见。如果你喜欢这个栏目，请转发给身边爱读书的朋友。",
}
_RC1 = dict(a="第一本是一部讲述江南小镇几代人命运的长篇小说，语言细腻，人物鲜活。",
            b="第二本是一本关于宇宙起源的科普读物，作者用浅显的语言讲清楚了复杂的物理概念。")
_RC2 = dict(a="第一本是一部记录丝绸之路沿线古城变迁的历史散文，图文并茂，读来引人入胜。",
            b="第二本是一本讲述城市规划与公共生活的社会学著作，视角新颖，发人深省。")
HAND_PAIRS += _pairs("same_title", "en", READING_EN, [(_RE1, _RE2)])
HAND_PAIRS += _pairs("same_title", "zh", READING_CN, [(_RC1, _RC2)])
