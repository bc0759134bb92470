"""Category rules: topic categories gather from general sources (issue #4 §6)."""

from feedhub.config.rules import CategoryRules, Rule, categories_for

EXPRESS = CategoryRules(include=(Rule.parse("快递"), Rule.parse("/第\\d+号公告/")), exclude=(Rule.parse("广告"),))
RULES = {"综合": CategoryRules(), "快递物流": EXPRESS}


def cats(source_categories, title, text="", tags=(), source="general", rules=RULES):
    return categories_for(source, source_categories, rules, title, text, tags)


def test_own_category_without_rules_takes_everything():
    assert cats(["综合"], "天气预报") == ["综合"]


def test_topic_category_gathers_matching_entries_from_other_sources():
    assert cats(["综合"], "“五一”假期快递揽收量增长") == ["综合", "快递物流"]
    assert cats(["综合"], "通知", text="国家邮政局第12号公告发布") == ["综合", "快递物流"]
    assert cats(["综合"], "月度报告", tags=["快递"]) == ["综合", "快递物流"]


def test_keywords_match_full_width_and_case_alike():
    rules = {"Tech": CategoryRules(include=(Rule.parse("AI"),))}
    assert cats([], "Ａｉ chips sell out", rules=rules) == ["Tech"]  # full-width Ａｉ folds to Ai
    assert cats([], "Rain expected", rules=rules) == []


def test_exclude_wins_even_in_the_sources_own_category():
    assert cats(["综合"], "快递广告投放") == ["综合"]
    assert cats(["快递物流"], "快递广告投放") == []


def test_include_filters_its_own_sources_too():
    assert cats(["快递物流"], "股市收评") == []


def test_gathering_limited_to_listed_sources():
    rules = {"快递物流": CategoryRules(include=(Rule.parse("快递"),), sources=("邮政报",))}
    assert cats([], "快递新闻", source="other", rules=rules) == []
    assert cats([], "快递新闻", source="邮政报", rules=rules) == ["快递物流"]


def test_match_fields_restrict_where_rules_look():
    rules = {"快递物流": CategoryRules(include=(Rule.parse("快递"),), fields=("title",))}
    assert cats([], "股市", text="快递", rules=rules) == []
    assert cats([], "快递", rules=rules) == ["快递物流"]
