"""Hand-written reworded-headline pairs for pairs.jsonl (issue #17 item 2).

Two outlets carry one wire story: the same body (give or take a footer, a
byline, restyled quotes) under a headline each desk rewrote. Every pair of
two headlines of one story is labelled "same story" by construction
(kind "reworded"). The hard negatives (kind "reworded_series") are the
trap this opens: the next issue of a series, another day's wrap, another
month's figures, whose text is the same template and whose headline was
also rewritten; only their numbers and dates tell them apart. Stories,
figures, names and places are invented.
"""

from __future__ import annotations

# (headlines, body): each story's first headline is paired with each of the
# others, and the second with the third.
STORIES_ZH: list[tuple[list[str], str]] = [
    (["国家统计局：5月居民消费价格同比上涨0.3%", "5月份CPI温和上涨 食品价格降幅收窄", "统计局发布5月物价数据：CPI涨幅与上月持平",
      "物价总体平稳 5月CPI同比涨0.3%"],
     "国家统计局今天发布数据显示，5月份全国居民消费价格同比上涨0.3%，涨幅与上月持平，环比下降0.1%。其中，城市上涨0.3%，"
     "农村上涨0.2%；食品价格下降2.0%，降幅比上月收窄0.7个百分点，非食品价格上涨0.8%。统计局城市司首席统计师表示，"
     "5月份受节后消费需求回落和能源价格下行等因素影响，全国居民消费价格环比有所下降，同比涨幅保持稳定。"
     "扣除食品和能源价格的核心CPI同比上涨0.6%，继续保持温和上涨。"),
    (["我国成功发射遥感四十二号卫星", "长征四号丙火箭发射遥感卫星取得圆满成功", "酒泉卫星发射中心成功发射一颗遥感卫星",
      "遥感四十二号卫星顺利进入预定轨道"],
     "记者从有关部门获悉，北京时间今天10时12分，我国在酒泉卫星发射中心使用长征四号丙运载火箭，成功将遥感四十二号卫星发射升空，"
     "卫星顺利进入预定轨道，发射任务获得圆满成功。该卫星主要用于开展科学试验、国土资源普查、农作物估产及防灾减灾等领域。"
     "此次任务是长征系列运载火箭的第五百二十次飞行。发射场区天气晴好，各系统工作正常，测控站对卫星进行了连续跟踪。"),
    (["交通运输部：端午假期全社会跨区域人员流动量超6亿人次", "端午小长假出行火热 跨区域流动超6亿人次", "端午假期出行数据出炉：自驾出行占比近八成",
      "6亿多人次跨区域出行 端午假期交通运行平稳"],
     "记者从交通运输部获悉，端午节假期三天，全社会跨区域人员流动量累计6.3亿人次，日均2.1亿人次，比去年同期增长6.2%。"
     "其中，铁路客运量累计4800万人次，公路自驾出行约4.9亿人次，占全社会跨区域人员流动量的近八成，水路客运量累计460万人次，"
     "民航客运量累计580万人次。假期全国高速公路总体运行平稳，未发生长时间大范围拥堵，各地交通运输部门加强运力调配和应急值守，"
     "保障群众安全便捷出行。"),
    (["山东聊城：特快业务收入同比增长33.2%", "借鉴金融经验 聊城邮政一季度特快收入居全省首位", "聊城邮政主动营销打开乡镇寄递市场",
      "一季度聊城邮政特快业务收入1465万元"],
     "一季度，山东省聊城市邮政分公司特快业务收入1465万元，完成进度列全省第1位，同比增长33.2%。该分公司在乡镇及农村寄递市场开发中"
     "打破惯性思维，借鉴金融业务的成功做法，采取主动营销方式，由过去的单一业务宣传向综合业务宣传转变。营业员在办理业务时优先向客户"
     "介绍特快业务，各揽投部增设直揽段道，确保乡镇及农村寄递市场有人揽、及时收。分公司还建立了业务发展周通报制度，"
     "对重点客户实行一户一策，持续提升服务质量。"),
    (["教育部部署做好高校毕业生就业工作", "教育部：多措并举促进高校毕业生高质量充分就业", "高校毕业生就业工作部署会召开 拓展就业岗位",
      "促就业！教育部出台一揽子举措"],
     "教育部日前召开高校毕业生就业创业工作视频会议，部署做好今年高校毕业生就业工作。会议要求，各地各高校要把促进毕业生就业作为重大政治任务，"
     "深入开展书记校长访企拓岗促就业专项行动，积极拓展市场化社会化就业渠道，稳定政策性岗位规模。"
     "要加强就业指导和服务，举办线上线下招聘活动，精准推送岗位信息，对困难群体毕业生实施一人一档、一人一策帮扶。"
     "会议还强调，要严格落实就业统计工作要求，坚决防止就业数据造假。"),
    (["气象台发布暴雨蓝色预警", "南方多地将迎强降雨 局地大暴雨", "中央气象台：江南华南等地有较强降雨", "强降雨来袭！多省份发布预警"],
     "中央气象台今天早晨继续发布暴雨蓝色预警。预计今天白天到夜间，江南中南部、华南北部以及贵州东部等地的部分地区有大到暴雨，"
     "其中湖南南部、江西中部、广西东北部等地的局地有大暴雨。上述部分地区伴有短时强降水，最大小时降雨量可达50毫米，"
     "局地伴有雷暴大风等强对流天气。气象台提醒，相关地区需防范强降雨可能引发的山洪、地质灾害和城乡积涝，"
     "尽量避免在危险区域逗留，驾车出行注意减速慢行。"),
    (["央行开展2000亿元逆回购操作", "央行公开市场净投放1800亿元 维护流动性合理充裕", "公开市场操作：7天期逆回购利率维持1.8%不变",
      "央行今日净投放1800亿元"],
     "中国人民银行今天发布公告称，为维护银行体系流动性合理充裕，当日以利率招标方式开展了2000亿元7天期逆回购操作，"
     "中标利率为1.8%，与此前持平。鉴于今日有200亿元逆回购到期，央行公开市场实现净投放1800亿元。"
     "市场人士分析认为，临近季末，银行体系流动性需求季节性上升，央行加大公开市场投放力度，有助于平抑资金面波动，"
     "预计短期内资金利率将维持在政策利率附近运行。"),
    (["首届数字乡村建设论坛在杭州举行", "数字乡村论坛开幕 专家共话乡村振兴新路径", "数字技术赋能乡村振兴 论坛在杭州召开",
      "在杭州，一场关于数字乡村的讨论"],
     "首届数字乡村建设论坛今天在杭州开幕，来自政府部门、科研院所和企业的400余名代表参加。论坛以数字技术赋能乡村振兴为主题，"
     "围绕农村电商、智慧农业、乡村治理数字化等议题展开交流。与会专家认为，近年来农村网络基础设施持续完善，"
     "农产品网络零售额快速增长，但城乡数字鸿沟依然存在，需要在人才培养、数据共享和标准建设方面持续发力。"
     "论坛期间还发布了数字乡村建设典型案例，并举行了项目签约仪式。"),
]

STORIES_EN: list[tuple[list[str], str]] = [
    (["Central bank holds interest rates steady for third straight meeting", "Rates unchanged again as policymakers wait for inflation to cool",
      "Policymakers keep benchmark rate on hold", "No change: bank leaves borrowing costs where they were"],
     "The central bank left its benchmark interest rate unchanged on Wednesday for the third meeting in a row, saying it needed "
     "more evidence that inflation was moving back toward its target before it could consider cutting. Policymakers voted 7-2 to "
     "keep the rate at 5.25%, with two members preferring a quarter-point reduction. In a statement, the bank said price growth had "
     "eased over the past year but remained too high, and that the labor market was still tight. The governor told reporters that "
     "the committee would continue to watch the data closely and was not yet ready to say when borrowing costs would come down."),
    (["City council approves plan to expand bike lanes downtown", "Council votes to add 40 miles of protected bike lanes",
      "Downtown bike lane expansion wins council backing", "More room for cyclists: council passes bike lane plan"],
     "The city council voted 9-4 on Tuesday night to approve a plan that will add 40 miles of protected bike lanes downtown over "
     "the next five years. Supporters said the network would make cycling safer and help the city meet its climate goals, while "
     "opponents warned that removing parking spaces would hurt small businesses along the busiest corridors. The plan calls for "
     "concrete barriers rather than painted lines on the widest streets and will be paid for largely with federal transportation "
     "grants. Construction on the first segment is expected to begin next spring, according to the transportation department."),
    (["Drugmaker recalls blood pressure tablets over contamination concerns", "Blood pressure pills pulled from shelves after impurity found",
      "Recall issued for common blood pressure medication", "Patients told to check their pills as maker announces recall"],
     "A drugmaker is recalling several batches of a widely used blood pressure medication after testing found higher than "
     "acceptable levels of an impurity that may increase the risk of cancer with long-term use, regulators said on Friday. The "
     "company said it had not received any reports of illness linked to the tablets. Patients taking the medication were advised "
     "not to stop treatment without first speaking to their doctor or pharmacist, because suddenly stopping could be more "
     "dangerous than the small risk posed by the impurity. The affected batches were shipped to pharmacies nationwide between "
     "January and April, the company said."),
    (["Wildfire forces evacuations as crews battle strong winds", "Thousands told to leave their homes as fire spreads",
      "Firefighters struggle to contain fast-moving blaze", "Evacuation orders expand as wind-driven wildfire grows"],
     "A fast-moving wildfire fanned by strong winds forced thousands of residents to leave their homes on Sunday as more than "
     "500 firefighters worked to keep the flames away from several small towns. The fire had burned about 12,000 acres by the "
     "evening and was 5% contained, fire officials said. Gusts of up to 50 mph carried embers across a highway and grounded "
     "firefighting aircraft for several hours. Evacuation centers were opened at two high schools, and officials urged people in "
     "neighboring communities to be ready to leave at short notice. No injuries had been reported, but at least a dozen buildings "
     "were destroyed."),
    (["Electric carmaker cuts prices on best-selling model", "Price war heats up as automaker slashes sticker prices",
      "Automaker lowers prices to revive slowing sales", "Cheaper EVs: maker trims prices across its lineup"],
     "An electric carmaker cut prices on its best-selling model by as much as 8% on Monday, the latest move in a price war that "
     "has squeezed margins across the industry. The company said the cuts were made possible by lower battery costs and more "
     "efficient factories, but analysts said they also reflected weaker demand as buyers wait for cheaper models and clearer "
     "incentives. Shares of the company fell 3% in early trading. Rivals have responded to earlier cuts with discounts and "
     "low-interest financing offers, and several said they were reviewing their own prices after the announcement."),
    (["Researchers find new species of frog in cloud forest", "Tiny frog discovered in remote mountain forest",
      "Scientists describe previously unknown frog species", "A new frog, no bigger than a thumbnail, turns up in the mountains"],
     "Researchers have described a new species of frog found in a remote cloud forest, where it lives among moss and fallen "
     "leaves on the forest floor. The frog is no bigger than a thumbnail and has a distinctive orange stripe along its back, "
     "according to a paper published in a zoology journal this week. The team first heard its high-pitched call during a survey "
     "expedition and spent several nights searching before they found an adult. Because the species appears to live in a very "
     "small area, the authors recommend that it be listed as endangered and that the forest be given stronger protection."),
    (["Airline cancels hundreds of flights after computer outage", "Computer glitch grounds flights, stranding travelers",
      "Outage leaves passengers stuck as airline scrambles to recover", "Hundreds of flights scrapped as airline systems go down"],
     "An airline canceled hundreds of flights on Thursday after a failure in the computer system it uses to schedule crews "
     "left planes without pilots and flight attendants at several of its busiest airports. Long lines formed at check-in desks "
     "and customer service counters as travelers tried to rebook, and the airline's website and app were slow to respond for much "
     "of the morning. The company apologized and said it expected operations to return to normal by the weekend. It said "
     "customers whose flights were canceled could request a full refund or rebook without paying a fee."),
    (["Museum returns looted statues to their country of origin", "Stolen statues go home after decades abroad",
      "Looted artifacts handed back in ceremony at museum", "Museum agrees to repatriate ancient sculptures"],
     "A museum returned three ancient statues to their country of origin on Monday, decades after they were looted from a temple "
     "and sold through a network of dealers. The sculptures were handed over to the country's ambassador at a ceremony attended "
     "by museum staff and investigators who had traced their history. The museum said it had bought the statues in good faith "
     "but agreed to give them back after new evidence showed they had been stolen. Officials said the statues would be displayed "
     "in the national museum before returning to the temple once it is restored."),
]

# What the second copy adds, in turn: nothing, a closing mark, a byline or
# a reporter's credit, typographic apostrophes, a footer. None of it is a number or a place.
_ZH_EDITS = [lambda s: s, lambda s: s + "（完）", lambda s: "（记者 王明 李静）" + s, lambda s: s + "（本报记者 陈晨）"]
_EN_EDITS = [lambda s: s, lambda s: s + " (Reporting by Jane Doe; editing by Sam Lee)", lambda s: s.replace("'", "\u2019"),
             lambda s: s + " Follow us for updates on this story."]

# The same headline pairs of a story: (first, second), (first, third),
# (first, fourth), (second, third).
_COUPLES = [(0, 1), (0, 2), (0, 3), (1, 2)]


def _reworded(stories: list[tuple[list[str], str]], lang: str, edits: list) -> list[dict]:
    out = []
    for s, (titles, body) in enumerate(stories):
        for k, (i, j) in enumerate(_COUPLES):
            out.append({"a": {"title": titles[i], "text": body},
                        "b": {"title": titles[j], "text": edits[(s + k) % len(edits)](body)},
                        "duplicate": True, "kind": "reworded", "lang": lang, "origin": "hand-written"})
    return out


# Hard negatives: one template, other figures or dates, reworded headlines.
def _series(lang: str, template: str, a: tuple[str, dict], b: tuple[str, dict]) -> dict:
    return {"a": {"title": a[0], "text": template.format(**a[1])}, "b": {"title": b[0], "text": template.format(**b[1])},
            "duplicate": False, "kind": "reworded_series", "lang": lang, "origin": "hand-written"}


_CPI = ("国家统计局今天发布数据显示，{m}月份全国居民消费价格同比上涨{y}%，环比{mm}。其中，城市上涨{c}%，农村上涨{r}%；"
        "食品价格下降{f}%，非食品价格上涨{nf}%。统计局城市司首席统计师表示，受消费需求变化和能源价格波动等因素影响，"
        "全国居民消费价格总体平稳。扣除食品和能源价格的核心CPI同比上涨{core}%，继续保持温和上涨。")
_WRAP = ("{m}月{d}日，A股三大指数{trend}。截至收盘，沪指{pct}%，报{sh}点；深证成指{pct2}%，报{sz}点。沪深两市成交额{vol}亿元。"
         "盘面上，半导体、汽车等板块表现活跃，煤炭、银行等板块调整。分析人士认为，当前市场情绪有所修复，但量能仍需进一步放大，"
         "短期指数或延续震荡格局，建议投资者关注业绩确定性较强的优质标的。")
_REPO = ("中国人民银行今天发布公告称，为维护银行体系流动性合理充裕，当日以利率招标方式开展了{amt}亿元7天期逆回购操作，"
         "中标利率为1.8%，与此前持平。鉴于今日有{due}亿元逆回购到期，央行公开市场实现净{dir}{net}亿元。"
         "市场人士分析认为，银行体系流动性总体平稳，预计短期内资金利率将维持在政策利率附近运行。")
_TYPHOON = ("中央气象台{m}月{d}日发布台风{level}预警：今年第{n}号台风“{name}”的中心今天上午位于距离广东省汕头市东南方向约{km}公里的南海东北部海面上，"
            "中心附近最大风力有{wind}级。预计该台风将以每小时15公里左右的速度向西北方向移动，强度逐渐加强。"
            "气象台提醒，相关海域船只应及时回港避风，沿海地区需加强防范，做好人员转移等各项准备工作。")
_CLAIMS = ("Initial claims for state unemployment benefits {dir} {chg:,} to a seasonally adjusted {n:,} for the week ended {month} {day}, "
           "the Labor Department said on Thursday. Economists polled had forecast {fc:,} claims for the latest week. The four-week "
           "moving average, considered a better measure of labor market trends as it irons out week-to-week volatility, was {avg:,}. "
           "The number of people receiving benefits after an initial week of aid, a proxy for hiring, stood at {cont:,}. Analysts said "
           "the labor market remained resilient even as higher borrowing costs weighed on demand.")
_QUAKE = ("A magnitude {mag} earthquake struck off the coast early on {day}, the geological survey said, shaking buildings in "
          "nearby towns but causing no immediate reports of serious damage. The quake hit at a depth of {depth} km about {km} km from "
          "the nearest city. Residents described several seconds of strong shaking, and some left their homes as a precaution. "
          "Officials said there was no tsunami threat. Aftershocks are likely over the coming days, and people were advised to "
          "check their homes for cracks and keep emergency supplies ready.")
_MORTGAGE = ("The average rate on a 30-year fixed mortgage {dir} to {r30}% this week from {prev}% the week before, the mortgage "
             "finance company said on Thursday. The 15-year rate averaged {r15}%. Rates have moved in a narrow range in recent weeks "
             "as investors weigh when the central bank will begin cutting borrowing costs. Higher rates have kept many would-be buyers "
             "on the sidelines and discouraged owners who locked in lower rates from selling, keeping the supply of homes for sale "
             "tight across much of the country.")
_RELEASE = ("Version {v} of the open-source database is now available. This release fixes {fixes} bugs reported since the "
            "previous version, including a crash when restoring large backups and a memory leak in the replication worker. "
            "Users of the {branch} series are encouraged to upgrade at their earliest convenience. As always, the release can be "
            "installed from the project's package repositories or built from source, and the full list of changes is available "
            "in the release notes. We thank everyone who reported issues and contributed patches to this release.")

SERIES_PAIRS = [
    _series("zh", _CPI, ("国家统计局：5月CPI同比上涨0.3%", dict(m=5, y="0.3", mm="下降0.1%", c="0.3", r="0.2", f="2.0", nf="0.8", core="0.6")),
            ("6月份物价数据出炉 居民消费价格温和上涨", dict(m=6, y="0.2", mm="下降0.2%", c="0.2", r="0.1", f="2.1", nf="0.7", core="0.5"))),
    _series("zh", _CPI, ("统计局发布物价数据：CPI涨幅与上月持平", dict(m=3, y="0.1", mm="下降1.0%", c="0.1", r="0.1", f="2.7", nf="0.7", core="0.6")),
            ("4月份居民消费价格同比上涨0.3%", dict(m=4, y="0.3", mm="上涨0.1%", c="0.3", r="0.2", f="2.7", nf="0.9", core="0.7"))),
    _series("zh", _WRAP, ("A股收评：三大指数集体收涨 成交额放大", dict(m=6, d=12, trend="集体收涨", pct="涨0.31", sh="3037.47", pct2="涨0.46", sz="9366.53", vol="7122")),
            ("收盘：沪指小幅上扬 半导体板块活跃", dict(m=6, d=13, trend="涨跌不一", pct="涨0.08", sh="3039.91", pct2="跌0.12", sz="9355.27", vol="6813"))),
    _series("zh", _WRAP, ("午后震荡 沪指收跌", dict(m=7, d=1, trend="集体收跌", pct="跌0.42", sh="2994.73", pct2="跌0.60", sz="8842.10", vol="7801")),
            ("A股三大指数收跌 两市成交额不足七千亿", dict(m=7, d=2, trend="集体收跌", pct="跌0.16", sh="2989.90", pct2="跌0.71", sz="8779.45", vol="6904"))),
    _series("zh", _REPO, ("央行开展逆回购操作 实现净投放", dict(amt=2000, due=200, dir="投放", net=1800)),
            ("公开市场今日净投放 7天期利率维持不变", dict(amt=1500, due=300, dir="投放", net=1200))),
    _series("zh", _TYPHOON, ("台风“海燕”逼近广东 气象台发布预警", dict(m=9, d=3, level="蓝色", n=11, name="海燕", km=620, wind=10)),
            ("今年第12号台风生成 将向西北方向移动", dict(m=9, d=9, level="黄色", n=12, name="山竹", km=480, wind=12))),
    _series("en", _CLAIMS, ("Weekly jobless claims fall more than expected",
                            dict(dir="fell", chg=5000, n=229000, month="June", day=8, fc=235000, avg=227250, cont=1820000)),
            ("Fewer Americans file for unemployment benefits",
             dict(dir="fell", chg=4000, n=225000, month="June", day=15, fc=230000, avg=232750, cont=1828000))),
    _series("en", _CLAIMS, ("Jobless claims rise as labor market cools",
                            dict(dir="rose", chg=8000, n=238000, month="May", day=25, fc=225000, avg=230000, cont=1791000)),
            ("More people file for jobless benefits than forecast",
             dict(dir="rose", chg=3000, n=241000, month="June", day=1, fc=230000, avg=234500, cont=1797000))),
    _series("en", _QUAKE, ("Strong quake shakes coastal towns, no tsunami threat", dict(mag="5.8", day="Tuesday", depth=35, km=60)),
            ("Earthquake rattles coast; officials rule out tsunami", dict(mag="6.1", day="Friday", depth=20, km=85))),
    _series("en", _MORTGAGE, ("Mortgage rates edge lower this week", dict(dir="fell", r30="6.86", prev="6.95", r15="6.16")),
            ("Borrowing costs for home buyers slip again", dict(dir="fell", r30="6.77", prev="6.86", r15="6.05"))),
    _series("en", _MORTGAGE, ("Mortgage rates climb back above 7%", dict(dir="rose", r30="7.02", prev="6.94", r15="6.28")),
            ("Home loan rates tick up as bond yields rise", dict(dir="rose", r30="7.22", prev="7.02", r15="6.47"))),
    _series("en", _RELEASE, ("Database maintenance release available", dict(v="16.3", fixes=41, branch="16.x")),
            ("New bug-fix release for the open-source database", dict(v="16.4", fixes=37, branch="16.x"))),
]

REWORDED_PAIRS: list[dict] = _reworded(STORIES_ZH, "zh", _ZH_EDITS) + _reworded(STORIES_EN, "en", _EN_EDITS) + SERIES_PAIRS
