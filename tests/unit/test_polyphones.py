"""Polyphones: the g2pM network run our way, weighed against phrase dictionaries, and user entries."""

import functools
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from app.text.disambiguate import candidate_features, choose
from app.text.g2p import dictionary_readings, to_phrases
from app.text.lexicon import CORRECTIONS_FILE, character_readings
from app.text.lexicon import lexicon as phrase_lexicon
from app.text.polyphone_weights import WEIGHTS_FILE, Weights, fitted_weights, load
from app.text.polyphones import polyphone_model
from app.text.user_lexicon import UserLexicon


def syllables(text: str, lexicon: UserLexicon | None = None) -> list[str]:
    return [s for p in to_phrases(text, lexicon=lexicon) for s in p.syllables]


def word_boundaries(chinese: str) -> set[int]:
    """Where the phrase lexicon's segmentation of an all-Chinese text puts word breaks, as the G2P does."""
    cuts, pos = {0}, 0
    for word in phrase_lexicon().segment(chinese):
        pos += len(word)
        cuts.add(pos)
    return cuts


@pytest.mark.parametrize(
    "sentence",
    ["刘乐阳认为他们表现不错，就向主教练推荐了他们。", "银行行长说还要重新调查。", "他长得很高，得到了奖励。"],
)
def test_our_network_picks_what_the_g2pm_package_picks(sentence):
    from g2pM import G2pM

    package = G2pM()(sentence, char_split=True, tone=True)
    model = polyphone_model()
    positions = [i for i, ch in enumerate(sentence) if model.is_polyphone(ch)]
    ours = [g.reading for g in model.predict(sentence, positions)]
    assert ours == [package[i].replace("u:", "v") for i in positions]


@pytest.mark.parametrize(
    ("text", "char", "reading"),
    [
        ("我了解这件事", "了", "liao3"),
        ("他走了", "了", "le5"),
        ("他跑得很快", "得", "de5"),
        ("他得到了奖励", "得", "de2"),
        ("看着我", "着", "zhe5"),
        ("你别着急", "着", "zhao2"),
        ("我们要调查清楚", "调", "diao4"),
        ("空调的温度要调高", "调", "tiao2"),
        ("他们在湖上划船", "划", "hua2"),
        ("他成为了医生", "为", "wei2"),
        ("这是为了你", "为", "wei4"),
        ("你还钱了吗", "还", "huan2"),
        ("银行的人很多", "行", "hang2"),
        # Function words standing alone, decided by rules (disambiguate.py).
        ("这次考试他没考好", "没", "mei2"),
        ("船沉没了", "没", "mo4"),
        ("我们一起去看电影吧。", "吧", "ba5"),
        ("我们去酒吧", "吧", "ba1"),
        ("这张照片拍得真好看", "得", "de5"),
        ("他得到了奖励", "得", "de2"),
        ("她长得漂亮", "得", "de5"),
        ("他笑得直摇头", "得", "de5"),
        ("我得走了", "得", "dei3"),
        ("这得多少钱", "得", "dei3"),
        ("他得了第一名", "得", "de2"),
        ("年来为母校挣得的名声", "得", "de2"),
        ("他为这件事很生气", "为", "wei4"),
        ("他把书塞进书包", "塞", "sai1"),
        ("他往我手里塞了一张纸条", "塞", "sai1"),
        ("交通堵塞", "塞", "se4"),
        ("塞尔维亚", "塞", "sai4"),
        ("这本书很薄", "薄", "bao2"),
        ("他的脸皮很薄", "薄", "bao2"),
        ("这个箱子太重了", "重", "zhong4"),
        ("这条裤子有点长", "长", "chang2"),
        ("这道题好难", "难", "nan2"),
        ("很重要", "重", "zhong4"),
        ("她在小学教数学", "教", "jiao1"),
        ("他教我游泳", "教", "jiao1"),
        ("教育很重要", "教", "jiao4"),
        ("帮我把床单铺好", "铺", "pu1"),
        ("街上有很多商铺", "铺", "pu4"),
        ("爷爷在院子里种了几棵树", "种", "zhong4"),
        ("这种水果很甜", "种", "zhong3"),
        ("他冲我笑了笑", "冲", "chong4"),
        ("帮我盛一碗米饭", "盛", "cheng2"),
        ("妈妈给孩子剥橘子", "剥", "bao1"),
        ("上个月借你的钱，我明天还你。", "还", "huan2"),
        ("你在家待着", "待", "dai1"),
        ("小明家养了两只小猫", "只", "zhi1"),
        ("我只有一个", "只", "zhi3"),
        ("你可以随便挑一个", "挑", "tiao1"),
        ("出锅前撒一点盐", "撒", "sa3"),
        ("把脏衣服放进洗衣机里", "脏", "zang1"),
        ("心脏病", "脏", "zang4"),
        ("恭喜您中了一等奖", "中", "zhong4"),
        ("还差五分钟就下课了", "差", "cha4"),
        ("你还回来吗", "还", "hai2"),
        ("他说话太横了", "横", "heng4"),
        ("曲老师", "曲", "qu1"),
        ("衣服晒干了", "干", "gan1"),
        ("出门前先量一下体温", "量", "liang2"),
        ("大量的数据", "量", "liang4"),
        ("你还好吗", "还", "hai2"),
        ("他姓单", "单", "shan4"),
        ("区先生您好", "区", "ou1"),
        ("解老师好", "解", "xie4"),
        ("我们小区", "区", "qu1"),
        ("单位里", "单", "dan1"),
        ("下车前请系好安全带", "系", "ji4"),  # 系好 is a word of the segmentation, and the rule still reads it
        ("他们关系好", "系", "xi4"),  # but not inside 关系
        ("两种花都很香", "种", "zhong3"),  # 两种 (a numeral word) is not the verb's 种花
        ("农民伯伯开始种玉米", "种", "zhong4"),
        ("鱼刺卡在喉咙里了", "卡", "qia3"),
        ("我的信用卡在哪里", "卡", "ka3"),
        ("这张卡在哪里办的", "卡", "ka3"),
        ("他背起课文来很快", "背", "bei4"),
        ("他晕车吐了一路", "吐", "tu4"),
        ("他吐了一口痰", "吐", "tu3"),
        ("地球绕着太阳转。", "转", "zhuan4"),
        ("风车不停地转着", "转", "zhuan4"),
        ("路口向左转。", "转", "zhuan3"),
        ("话锋一转，", "转", "zhuan3"),
        ("电风扇转得很快", "转", "zhuan4"),
        ("我们几个人根本吃不了", "了", "liao3"),  # 吃不了 is one word of the segmentation
        ("这件事我解决不了", "了", "liao3"),
        ("他已经吃了", "了", "le5"),
        ("明天早上七点就得出发", "得", "dei3"),  # 出发 outweighs 得出
        ("他得出了结论", "得", "de2"),
        ("我把手机落在出租车上了", "落", "la4"),
        ("树叶落在地上", "落", "luo4"),
        ("他把目光落在我身上", "落", "luo4"),
        ("请给客人倒杯热茶", "倒", "dao4"),
        ("他倒下了", "倒", "dao3"),
        ("他背着一个大书包去上学", "背", "bei1"),
        ("他背着我偷偷走了", "背", "bei4"),
        ("这家餐厅的服务太差了", "差", "cha4"),
        ("苹果树今年结了很多果子", "结", "jie1"),
        ("结果他没来", "结", "jie2"),
        ("小熊背着新书包上学去了", "背", "bei1"),  # what is carried follows within the clause
        ("妈妈给女儿扎两个可爱的小辫子", "扎", "za1"),
        ("护士给他扎了一针", "扎", "zha1"),
        ("奶奶一边扇着蒲扇一边讲故事", "扇", "shan1"),
        ("一扇门", "扇", "shan4"),
        ("护士给孩子量了体温", "量", "liang2"),
        ("就应该增加奶量了", "量", "liang4"),
        ("摩天轮缓缓地转了一圈又一圈", "转", "zhuan4"),
        ("他一紧张，脸就涨得通红", "涨", "zhang4"),
        ("股价涨得很快", "涨", "zhang3"),
        ("庙里供着一尊佛像", "供", "gong4"),
        ("救援人员已经尽了最大努力", "尽", "jin4"),
        ("请尽快回复", "尽", "jin3"),
        ("我在杭州待了三天", "待", "dai1"),
        ("下象棋时，车只能走直线", "车", "ju1"),
        ("象棋馆门口停着一辆车", "车", "che1"),
        ("鸡汤里加了人参和红枣", "参", "shen1"),  # a correction: CPP's 人参与 taught the weights can1
        ("有很多人参与了讨论", "参", "can1"),
        ("他把钱藏在床底下", "藏", "cang2"),  # a verb: what follows follows only a verb
        ("这本书我数了三遍", "数", "shu3"),
        ("把扣子缝在衣服上", "缝", "feng2"),
        ("西藏的风景", "藏", "zang4"),
        ("你别藏了，快出来", "藏", "cang2"),
        ("衣服还很干", "干", "gan1"),  # an adjective after a degree word
        ("你别这么干", "干", "gan4"),  # but 这么 comes before verbs too
        ("这人说话很冲", "冲", "chong4"),
        ("我有点晕", "晕", "yun1"),
        ("这点小伤算什么，我受得了！", "了", "liao3"),
        ("这点小伤算什么，我受得了！", "得", "de5"),
        ("我的猫是不是得了什么病？", "得", "de2"),
        ("这道菜得先用大火把油烧热", "得", "dei3"),
        ("全体员工都在为下周的展会忙碌", "为", "wei4"),
        ("他被评为先进工作者", "为", "wei2"),
        ("院子里跑来一只小花猫", "只", "zhi1"),  # 一只 is a word of the segmentation
        ("奶奶每年都会在院子里种几棵番茄", "种", "zhong4"),
        ("他对着镜子系了半天领带", "系", "ji4"),
        ("这笔生意反倒折了不少本钱", "折", "she2"),
        ("为了给孩子治病，他背了一身的债", "背", "bei1"),
        ("我们要数据说话", "数", "shu4"),
        ("可笑之处在于", "处", "chu4"),
        # Corrections (phrase_corrections.txt): a corrected phrase outvotes the phrases inside it.
        ("我们要为人民服务", "为", "wei4"),
        ("他为人正直", "为", "wei2"),
        ("你数一数", "数", "shu3"),
        ("睡了一觉", "觉", "jiao4"),
        ("请不要冲着别人打喷嚏", "冲", "chong4"),  # 冲着 outweighs 要冲
        ("周末我在家看孩子", "看", "kan1"),
        ("我们一起照个相吧", "相", "xiang4"),
    ],
)
def test_polyphones_are_read_by_their_context(text, char, reading):
    assert dictionary_readings(text)[text.index(char)] == reading


def test_the_model_does_not_overrule_dictionaries_that_agree():
    # The network alone says hua4 here; every phrase dictionary says 划船 hua2 chuan2.
    assert polyphone_model().predict("主要来自划船", [4])[0].reading == "hua4"
    assert choose("主要来自划船", [4], {0, 2, 4, 6})[4].reading == "hua2"


def test_yi_and_bu_are_left_to_tone_sandhi():
    assert choose("一个不好", [0, 2], {0, 2, 4}) == {}


def test_user_pinyin_entries_override_the_model_and_still_take_sandhi():
    lexicon = UserLexicon.parse("行长 xing2 zhang3\n好好 hao3 hao3")
    assert syllables("银行行长", lexicon) == ["yin2", "hang2", "xing2", "zhang3"]
    assert syllables("好好", lexicon) == ["hao2", "hao3"]
    assert syllables("银行行长") == ["yin2", "hang2", "hang2", "zhang3"]


def test_dictionary_readings_are_before_sandhi():
    assert dictionary_readings("你好") == {0: "ni3", 1: "hao3"}
    assert syllables("你好") == ["ni2", "hao3"]


def test_everyday_words_take_their_neutral_tone():
    assert syllables("大夫") == ["dai4", "fu5"]
    assert syllables("我弟弟") == ["wo3", "di4", "di5"]
    # Citation readings (what polyphone test sets label) stay as the dictionary has them.
    assert dictionary_readings("弟弟") == {0: "di4", 1: "di4"}
    # Words pypinyin's phrase list lacks (it lists only readings that differ from the characters').
    assert syllables("他的胡子很长") == ["ta1", "de5", "hu2", "zi5", "hen3", "chang2"]
    assert syllables("你的名字") == ["ni3", "de5", "ming2", "zi5"]
    assert dictionary_readings("眼睛") == {0: "yan3", 1: "jing1"}
    assert syllables("我跟他没关系")[-1] == "xi5"
    assert syllables("他的头发花白了")[2:6] == ["tou2", "fa5", "hua1", "bai2"]  # not 头|发花|白
    # Nouns in 子 that pypinyin's phrase list lacks: not guo2 zi3 by the sandhi of zi3.
    assert syllables("树上结了很多果子")[-2:] == ["guo3", "zi5"]
    assert syllables("别卖关子了")[2:4] == ["guan1", "zi5"]
    assert syllables("他是原子物理学家")[3] == "zi3"


def test_phrases_the_dictionaries_read_wrongly_are_corrected():
    # pypinyin's list and 汉典 both say 还款 hai2 and 温差 cha4, outvoting CC-CEDICT.
    assert phrase_lexicon().reading("还款") == "huan2 kuan3"
    assert dictionary_readings("请您按时还款")[4] == "huan2"
    assert dictionary_readings("今天的温差很大")[4] == "cha1"
    assert dictionary_readings("他为人质朴")[4] == "pu3"
    # Phrases no dictionary lists vote in all three (应还 is ying1 huan2 on a bill).
    assert [dictionary_readings("本期应还金额")[i] for i in (2, 3)] == ["ying1", "huan2"]
    assert syllables("他重重地叹了口气")[1:3] == ["zhong4", "zhong4"]
    assert syllables("困难重重")[2:] == ["chong2", "chong2"]
    assert syllables("把音量调低一点")[3] == "tiao2" and syllables("强调高质量发展")[1] == "diao4"
    # A correction can also mend the segmentation: 洗|发水 (a flood) was the phrase list's split.
    assert syllables("洗发水用完了")[:3] == ["xi3", "fa4", "shui3"]
    assert dictionary_readings("他考中了大学")[2] == "zhong4"
    # A corrected phrase is not overruled by the rule for the verb 塞 before 上 (塞上耳机).
    assert dictionary_readings("宁夏被称为塞上江南")[5] == "sai4"
    assert dictionary_readings("他塞上耳机听歌")[1] == "sai1"


def test_every_correction_is_a_pinyin_entry_for_a_whole_word():
    corrections = UserLexicon.load(CORRECTIONS_FILE)
    assert len(corrections) == len(corrections.pinyin) > 50


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("很高兴为您服务", "wei4"),
        ("我为你骄傲", "wei4"),
        ("为大家介绍一下", "wei4"),
        ("为我们", "wei4"),
        ("成为你的朋友", "wei2"),
        ("我认为他是对的", "wei2"),
        ("他被选为班长", "wei2"),
    ],
)
def test_wei_as_a_word_of_its_own_before_a_personal_pronoun_is_wei4(text, reading):
    assert dictionary_readings(text)[text.index("为")] == reading


def test_a_reading_only_the_dictionaries_know_can_win():
    # g2pM's table has no ci1 for 差 and no neutral huo5 for 和; the dictionaries have both.
    assert dictionary_readings("参差不齐")[1] == "ci1"
    assert syllables("今天很暖和")[-2:] == ["nuan3", "huo5"]


def test_de_after_a_reduplicated_word_is_the_particle():
    assert dictionary_readings("慢慢地走")[2] == "de5"
    assert dictionary_readings("这个地方")[2] == "di4"


def test_every_reading_gets_the_base_score_and_the_context_around_the_character():
    features = candidate_features("银行行长", [2], {0, 2, 4})[2]
    assert set(features) == {"hang2", "xing2"}
    assert features["hang2"]["base"] > features["xing2"]["base"]  # 行长 in every dictionary
    assert {k for k in features["hang2"] if ":" in k} == {
        "left:行",
        "right:长",
        "left2:银",
        "right2:$",
        "word:行长",
        "at:0/2",
    }
    alone = candidate_features("行", [0], {0, 1})[0]["xing2"]
    assert {k for k in alone if ":" in k} == {"left:^", "right:$", "left2:^", "right2:$", "at:0/1"}


def test_a_score_adds_shared_and_the_characters_own_weights():
    weights = Weights({"base": 0.5}, {"挣": {"zheng1": {"right:脱": 2.0}}})
    assert weights.score("挣", "zheng1", {"base": 1.0, "right:脱": 1.0}) == 2.5
    assert weights.score("挣", "zheng4", {"base": 1.0, "right:脱": 1.0}) == 0.5
    assert weights.score("争", "zheng1", {"base": 1.0, "right:脱": 1.0}) == 0.5


def test_own_weights_learn_how_cpp_reads_a_word_every_dictionary_reads_otherwise():
    # CPP writes 挣脱 zheng1 (five of its twenty dev sentences with 挣); the dictionaries say zheng4.
    sentence, cuts = "他挣脱了绳子", {0, 1, 3, 4, 6}
    base_only = Weights({"base": fitted_weights().shared["base"]})
    assert choose(sentence, [1], cuts, base_only)[1].reading == "zheng4"
    assert choose(sentence, [1], cuts)[1].reading == "zheng1"
    assert dictionary_readings("我挣钱养家")[1] == "zheng4"  # no 挣脱, nothing changes


@pytest.mark.parametrize(
    ("sentence", "char", "reading"),
    [
        ("他养了一只小猫", "只", "zhi1"),
        ("他会弹钢琴", "弹", "tan2"),
        ("我给你倒杯水", "倒", "dao4"),
        ("他背着书包上学", "背", "bei1"),
    ],
)
def test_weights_learnt_from_g2pl_read_everyday_words_the_model_and_dictionaries_miss(sentence, char, reading):
    # g2pL has ~500 sentences for each of these characters; CPP dev has twenty, mostly encyclopaedic.
    # The scores alone, before the rules (some of which read these too).
    index = sentence.index(char)
    readings = candidate_features(sentence, [index], word_boundaries(sentence))[index]

    def best(weights: Weights) -> str:
        return max(readings, key=lambda r: weights.score(char, r, readings[r]))

    assert best(Weights({"base": fitted_weights().shared["base"]})) != reading
    assert best(fitted_weights()) == reading
    assert dictionary_readings(sentence)[index] == reading


def test_each_context_weight_is_stored_only_for_the_readings_it_sets_apart():
    # Adding one number to every reading's weight of a feature changes no answer, so the file keeps
    # at least one reading of each (character, feature) at zero: a two-reading character, one weight.
    model = polyphone_model()
    for char, readings in fitted_weights().own.items():
        counts: dict[str, int] = {}
        for names in readings.values():
            for name in names:
                counts[name] = counts.get(name, 0) + 1
        # Its readings: the model's, and those only the dictionaries know (参差 cen1).
        known = set(model.candidates[char][1]) | character_readings(char)
        assert max(counts.values()) < len(known), char


def test_the_weights_file_says_what_it_was_fitted_on_and_round_trips(tmp_path):
    about = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))["about"]
    assert about["fitted_on"].startswith("CPP dev split") and about["by"] == "bench/fit_polyphones.py"
    assert "never test" in about["fitted_on"] and "g2pL" in about["fitted_on"]
    assert WEIGHTS_FILE.stat().st_size < 1_000_000
    copy = tmp_path / "weights.json"
    copy.write_text(fitted_weights().to_json(about), encoding="utf-8")
    assert load(copy) == fitted_weights()


@functools.cache
def fit_script() -> ModuleType:
    """bench/fit_polyphones.py, a script rather than part of the package, loaded as a module."""
    path = Path(__file__).resolve().parents[2] / "bench" / "fit_polyphones.py"
    spec = importlib.util.spec_from_file_location("fit_polyphones", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_training_sentences_that_copy_a_test_sentence_are_found_with_other_punctuation_or_names():
    overlap = fit_script().Overlap(["青山镇是本县管辖的一个乡镇，人口约两万。", "他挣脱了绳子。"])
    assert overlap.match("青山镇是本县管辖的一个乡镇，人口约两万。") == "same"
    assert overlap.match("他挣脱了 绳子！") == "same text"
    assert overlap.match("白水镇是本县管辖的一个乡镇，人口约三万。") == "shared run"  # a template, another name
    assert overlap.match("他挣钱养家。") is None


def test_shipped_weights_are_the_scaled_g2pl_layer_plus_cpps_own_one_weight_per_difference():
    layer = Weights({"base": 0.6}, {"挑": {"tiao1": {"right:水": 1.0}, "tiao3": {"right:水": -1.0}}})
    cpp = Weights({"base": 0.5, "g2pl": 0.8}, {"挑": {"tiao1": {"left:来": 0.2}, "tiao3": {"left:来": -0.2}}})
    shipped = fit_script().shipped(cpp, layer)
    assert shipped.shared == {"base": 0.5}  # the layer's own base weight is g2pL's, not used

    def margin(features: dict[str, float]) -> float:
        return shipped.score("挑", "tiao1", features) - shipped.score("挑", "tiao3", features)

    assert margin({"base": 1.0, "right:水": 1.0}) == pytest.approx(0.8 * 2.0)
    assert margin({"base": 1.0, "left:来": 1.0}) == pytest.approx(0.4)
    assert sum(len(names) for names in shipped.own["挑"].values()) == 2
