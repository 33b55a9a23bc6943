"""Rules that decide a polyphone's reading where the scores are confidently wrong.

g2pM was trained on encyclopaedia text (CPP: Wikipedia sentences), and CPP's dev
split, on which the weights are fitted, is the same: about everyday speech the
model is often sure and wrong (为您服务 wei2, 我得走了 de2, 太重了 chong2). These
rules come first (``disambiguate.choose``); a rule's reading that is not among the
character's candidates is ignored. Counts are from CPP dev and g2pL (the sentences
a rule applies to, how many it reads right, and how many the scores read wrongly).

地 right after a reduplicated word (慢慢地, 悄悄地) is de5, and so is 地 after a
describing word when it starts no word (耐心地等待, 热情地招呼; ``word_classes.py``):
62 of 62, 52 of which the scores read di4 — g2pM reads 地 di4 almost always, as CPP
does (147 of 160 in train). A character after 姓, or standing alone before a title
(先生, 老师, 总), is a surname, read as one (他姓单 shan4, 区先生 ou1, 解老师 xie4):
2 of 2 in the data, which has few; customer-service text has many. 了 in a verb's 不了,
or in its 得了 ending a clause or a question (吃不了, 解决不了, 受得了！, 吃得了吗), is liao3,
also inside a word of the segmentation: 15 of 15, 1 read le5 (吃不了 alone read le5 too).

The others are for a character that is a word of its own in the segmentation:

- 为 before a personal pronoun, a demonstrative or a question word (为您服务, 为这件事生气,
  为谁哭), or in a clause that goes on to what is done for it (为下周的展会忙碌, 为孩子操心),
  is wei4: 31 of 31, 27 read wei2 (g2pM gives wei2 0.99998 before 您; in CPP 为 is wei2 94 %
  of the time);
- 没 is mei2: 125 of 126 (the other: 隐没, a word the lexicon lacks), 12 read mo4;
- 吧 ending a clause is ba5: 7 of 7 (去看电影吧。 read ba1 outside the data);
- 得 before a degree word (跑得很快, 拍得真好, 干得不错) is de5; after a verb or adjective
  (jieba's word class of the word before it: 长得漂亮, 笑得直摇头) it is de5 too; after a
  pronoun or adverb (我得走了, 就得说), or before 先, 把, 赶紧 … whatever precedes it (这道菜得
  先炒一下), it is dei3, "must"; in 受得了 it is de5: 102 of 103 (彼得格勒), 52 read de2.
  Neither when what follows makes the "obtain" de2 (得到, 得以, 得名, 得不到, and 得出 unless
  what follows is the more frequent word: 就得出发) or the verb is one of obtaining (挣得, 征得);
- an adjective after a degree word (太重了, 有点长, 很薄, 好难, 最少, 太差了, 还很干, 有点晕)
  takes its adjective reading, unless it is a verb too after a word that also comes before
  verbs (这么干 gan4): 431 of 431, 17 read otherwise (重 chong2, 薄 bo2, 差 chai1);
- a character whose neighbours show which word it is takes that word's reading, also where
  it begins a word of the segmentation (系好 is one, and 冲着) or the word is the rule's own and
  the phrase lexicon reads it so too (一只 yi1 zhi1, but not 请教): 塞 sai1 (塞进, 塞给, 塞不下;
  CPP's 塞 is mostly in names: 塞浦路斯, 圣何塞), 只 zhi1 after a numeral (两只小猫), 教 jiao1
  (教我, 在小学教数学), 铺 pu1 (把床单铺好), 种 zhong4 (种了几棵树), 冲 chong4 (冲我笑), 盛
  cheng2 (盛一碗饭), 剥 bao1 (剥橘子), 待 dai1 (在家待着, 待了三天), 量 liang2 (量一下体温),
  差 cha4 (还差五分钟), 挑 tiao1 (随便挑一个), 撒 sa3 (撒一点盐), 脏 zang1 (脏衣服), 系 ji4
  (系鞋带), 中 zhong4 (中了大奖), 卡 qia3 (鱼刺卡在喉咙里), 吐 tu4 (晕车吐了一路), 倒 dao4
  (倒杯热茶), 数 shu3 (数不清), 结 jie1 (结了很多果子), 涨 zhang4 (脸涨得通红), 供 gong4 (供着
  佛像), 尽 jin4 (尽了最大努力): 606 of 608 (the others: 漠北塞上, 商铺开), 243 read
  otherwise. The phrase lexicon lists only words read otherwise than their characters, so
  it lacks 教育 and 商铺: a common word of jieba's dictionary around the character (教育,
  两种) means the rule does not apply, unless it is the word the rule reads (铺好, 两只) or
  jieba has seen that one more often (冲着 503 times, 要冲 274);
- a character followed within the clause by what it is done to: 背 bei1 (背着新书包, but
  背起课文来 is reciting; 背了一身的债), 扎 za1 (扎两个小辫子, but 扎了一针), 扇 shan1 (扇着
  蒲扇), 系 ji4 (系了半天领带), 折 she2 (折了不少本钱): 9 of 9, 8 read otherwise;
- a character that can be a verb or a noun takes the verb's reading when what follows it
  follows only a verb (藏着, 藏在床底下, 藏得很深, 数了三遍, 卷起袖子: ``AS_VERB``, 23
  characters) or what comes before it comes before a verb (要藏, 先量一下, 会教): 343 of 346
  (钉在, twice, which the labels read ding1, and 卷在哪里), 83 read otherwise;
- 转 zhuan4 going round (绕着太阳转, 不停地转着, 转得很快, 转了一圈): 4 of 4, all read zhuan3;
  车 ju1 in a sentence about 象棋; 还 huan2 before a pronoun that ends the clause (我明天还
  你。); 落 la4 after 把 and a thing one forgets (我把钥匙落在办公室了): none in the data.

On CPP dev's 5-fold cross-validation the rules change a sentence or two (the one for 地
gets one more right): what they buy is everyday text.
"""

from __future__ import annotations

from app.text.lexicon import lexicon
from app.text.rule_words import (
    ADJECTIVES,
    AS_VERB,
    AS_VERB_AFTER_VERB_BEFORE,
    BEFORE_VERBS_TOO,
    BY_NEIGHBOURS,
    BY_OBJECT,
    CLAUSE_END,
    DEGREE,
    DEGREE_BEFORE,
    FOR_WHOM,
    GAINING,
    MUST_BEFORE,
    OBTAINED,
    PRONOUNS,
    PURPOSES,
    ROUND_AFTER,
    ROUND_CLAUSE,
    ROUNDS,
    SURNAMES,
    THINGS_LEFT,
    TITLES,
    VERB_BEFORE,
    VERB_MARKERS,
    VERBS_TOO,
)
from app.text.word_classes import COMPLEMENTED, MODAL, word_classes

Boundaries = set[int] | frozenset[int]

# How often jieba must have seen a word for it to count: its dictionary has odd rare ones (先量: 3).
_COMMON = 20


def rule_reading(sentence: str, i: int, boundaries: Boundaries) -> str | None:
    """The reading of the character at ``i`` when a rule decides it, else None.

    ``boundaries`` are the indices where the phrase lexicon's segmentation puts word breaks.
    """
    ch = sentence[i]
    if ch == "地":
        reduplicated = i >= 2 and sentence[i - 1] == sentence[i - 2]
        return "de5" if reduplicated or word_classes().adverbial_di(sentence, i) else None  # 慢慢地, 耐心地
    alone = i in boundaries and i + 1 in boundaries
    if ch in SURNAMES and (sentence[i - 1 : i] == "姓" or (alone and _titled(sentence, i + 1, boundaries))):
        return SURNAMES[ch]  # 他姓解, 区先生
    if ch == "了" and _unable(sentence, i):
        return "liao3"  # 吃不了, 受不了
    neighbours = _by_neighbours(sentence, i, boundaries) if ch in BY_NEIGHBOURS else None
    if neighbours:
        return neighbours  # a word of its own, or the word the rule reads: 系好, 冲着, 一只
    if not alone:
        return None  # the other rules are for a character that is a word of its own
    if ch == "为" and (sentence.startswith(FOR_WHOM, i + 1) or _soon_after(sentence, i, PURPOSES, 12)):
        return "wei4"  # 为您服务, 为下周的展会忙碌
    if ch == "没":
        return "mei2"  # 没考好; mo4 is in words: 沉没, 淹没, 没收
    if ch == "吧" and (i + 1 == len(sentence) or sentence[i + 1] in CLAUSE_END):
        return "ba5"  # 去看电影吧。
    if ch == "得":
        return _de(sentence, i, boundaries)
    if ch in ADJECTIVES and _after_degree_word(sentence, i):
        return ADJECTIVES[ch]  # 这个箱子太重了, 衣服还很干
    if ch == "还" and _given_back(sentence, i):
        return "huan2"  # 我明天还你。
    if ch == "转" and _going_round(sentence, i):
        return "zhuan4"  # 地球绕着太阳转。
    if ch == "落" and _left_behind(sentence, i):
        return "la4"  # 我把钥匙落在办公室了
    if ch in BY_OBJECT and _done_to(sentence, i):
        return BY_OBJECT[ch][0]  # 背着新书包, 扎两个小辫子
    if ch in AS_VERB and _used_as_verb(sentence, i):
        return AS_VERB[ch]  # 东西藏在床底下, 数了三遍
    if ch == "车" and "象棋" in sentence and sentence[i - 1 : i] != "辆" and not _in_word(sentence, i):
        return "ju1"  # 下象棋时，车只能走直线
    return None


def _titled(sentence: str, i: int, boundaries: Boundaries) -> bool:
    """True when a title (先生, 老师, 总) is a word at ``i`` (单总, but not 单总是)."""
    return any(sentence.startswith(t, i) and i + len(t) in boundaries for t in TITLES)


def _de(sentence: str, i: int, boundaries: Boundaries) -> str | None:
    """得 as a word of its own: de5 after a verb or adjective, dei3 after a pronoun or adverb."""
    if sentence.startswith(DEGREE, i + 1) or _unable(sentence, i + 1):
        return "de5"  # 拍得真好看, 受得了
    following = sentence[i + 1 : i + 2]
    classes = word_classes()
    # 得出 is "obtain" (得出结论) unless what follows is a more frequent word (就得出发: 出发 3,887, 得出 1,334).
    obtained = following in OBTAINED and classes.frequency(sentence[i + 1 : i + 3]) <= classes.frequency(
        sentence[i : i + 2]
    )
    if not "\u4e00" <= following <= "\u9fff" or obtained or sentence.startswith("不到", i + 1):
        return None  # 得到, 得不到, 难再得。
    previous = sentence[max((b for b in boundaries if b < i), default=0) : i]
    word_class = classes.word_class(previous) if previous else None
    if word_class in COMPLEMENTED and previous[-1] not in GAINING:
        return "de5"  # 长得漂亮, 笑得直摇头
    if word_class in MODAL or sentence.startswith(MUST_BEFORE, i + 1):
        return "dei3"  # 我得走了, 就得说, 这道菜得先炒一下
    return None


def _given_back(sentence: str, i: int) -> bool:
    """还 before a pronoun that ends the clause or is followed by what is given back (还你, 还我钱);
    not 还回来, which is as often "still coming back"."""
    pronoun = next((p for p in PRONOUNS if sentence.startswith(p, i + 1)), None)
    if pronoun is None:
        return False
    after = i + 1 + len(pronoun)
    after += sentence.startswith("们", after)
    return after == len(sentence) or sentence[after] in CLAUSE_END or sentence[after] in "钱一"


def _going_round(sentence: str, i: int) -> bool:
    """转 going round: before 得 or rounds (转得很快, 转了一圈), or before 着 or ending a clause after a manner
    (不停地转着, 一直转) or in a clause that goes round something (绕着太阳转); not in a word (旋转)."""
    following = sentence[i + 1 : i + 2]
    if following == "得" or sentence.startswith(ROUNDS, i + 1):
        return not _in_word(sentence, i)
    if following and following not in CLAUSE_END and following != "着":
        return False
    clause = _clause_before(sentence, i)
    round_ = sentence[i - 1 : i] in ROUND_AFTER or any(c in clause for c in ROUND_CLAUSE)
    return round_ and not _in_word(sentence, i)


def _by_neighbours(sentence: str, i: int, boundaries: Boundaries) -> str | None:
    """The reading of ``BY_NEIGHBOURS`` when its neighbours show the word, the segmentation's word
    around it is the character alone or within that word (not 塞上江南, a corrected phrase), and
    it stands in no common word."""
    reading, following, preceding = BY_NEIGHBOURS[sentence[i]]
    matched = next((f for f in following if sentence.startswith(f, i + 1)), None)
    if matched is not None:
        own = (i, i + 1 + len(matched))  # 铺好, 塞进
    elif sentence[i - 1 : i] in preceding:
        own = (i - 1, i + 1)  # 两只
    else:
        return None
    # The segmentation's word around it must begin with the character and lie within the rule's
    # word, or be the rule's word as the phrase lexicon reads it too (一只 yi1 zhi1, not 请教).
    word_start = max((b for b in boundaries if b <= i), default=0)
    word_end = min((b for b in boundaries if b > i), default=len(sentence))
    listed = word_start == i or _listed_as(sentence[word_start:word_end], i - word_start, reading)
    if word_end > own[1] or not listed:
        return None
    return None if _in_word(sentence, i, own) else reading


def _listed_as(word: str, k: int, reading: str) -> bool:
    """True when the phrase lexicon reads the ``k``-th character of ``word`` as ``reading``."""
    listed = lexicon().reading(word)
    return listed is not None and listed.split(" ")[k] == reading


def _in_word(sentence: str, i: int, own: tuple[int, int] | None = None) -> bool:
    """True when the character at ``i`` is inside a common word of 2–3 characters (教育, 商铺, 两种).

    ``own`` is where the word a rule reads starts and ends: words starting where it does are
    that word (铺好, 塞进, 两只, 背着) and do not count, nor do others jieba has seen less often
    than it, if it is longer than the character (要冲 274 times, but 冲着 503).
    """
    classes = word_classes()
    longer = own is not None and own[1] - own[0] > 1
    enough = max(_COMMON, classes.frequency(sentence[own[0] : own[1]]) + 1) if longer else _COMMON
    for n in (2, 3):
        for start in range(max(0, i - n + 1), min(i, len(sentence) - n) + 1):
            if (not own or start != own[0]) and classes.frequency(sentence[start : start + n]) >= enough:
                return True
    return False


def _unable(sentence: str, i: int) -> bool:
    """了 in a verb's 不了 or 得了, "cannot" or "can" (吃不了, 解决不了, 受得了！): liao3, whatever the
    segmentation. 得了 only where it ends the clause or a question, as 得 may be "get" (是不是得了
    什么病), and not where 得 ends a word (获得了, 觉得了)."""
    if sentence[i : i + 1] != "了" or sentence[i - 1 : i] not in ("不", "得") or i < 2:
        return False
    classes = word_classes()
    if sentence[i - 1] == "得":
        ends = sentence[i + 1 : i + 2] in ("", *CLAUSE_END, *"吗吧呢啊么")
        if not ends or classes.frequency(sentence[i - 2 : i]) >= _COMMON:
            return False
    return any(classes.word_class(sentence[max(0, i - 1 - n) : i - 1]) in COMPLEMENTED for n in (1, 2))


def _left_behind(sentence: str, i: int) -> bool:
    """落 leaving a thing behind (我把手机落在出租车上了): la4. Only after 把 and a thing one forgets,
    as 落在 is as often falling (树叶落在地上) and 把目光落在 is not forgetting."""
    if sentence[i + 1 : i + 2] not in ("在", "下", "了"):
        return False
    clause = _clause_before(sentence, i)
    taken = clause.rfind("把")
    return taken >= 0 and any(thing in clause[taken:] for thing in THINGS_LEFT)


def _clause_before(sentence: str, i: int) -> str:
    """The part of the clause that comes before index ``i``."""
    start = max(sentence.rfind(mark, 0, i) for mark in CLAUSE_END) + 1
    return sentence[start:i]


def _done_to(sentence: str, i: int) -> bool:
    """True when one of the ``BY_OBJECT`` things of the character at ``i`` follows it within eight
    characters of the clause (背着一个大书包, 扎两个可爱的小辫子)."""
    return _soon_after(sentence, i, BY_OBJECT[sentence[i]][1], 8) and not _in_word(sentence, i, (i, i + 1))


def _soon_after(sentence: str, i: int, words: tuple[str, ...], reach: int) -> bool:
    """True when one of ``words`` comes within ``reach`` characters after ``i``, in the same clause."""
    after = sentence[i + 1 : i + 1 + reach]
    end = min((after.find(mark) for mark in CLAUSE_END if mark in after), default=len(after))
    return any(word in after[:end] for word in words)


def _used_as_verb(sentence: str, i: int) -> bool:
    """True when what follows the character at ``i`` follows only a verb (藏着, 藏得很深, 喝了一杯),
    or what comes before it comes before a verb (要藏, 先量), and it is in no common word (要数据)."""
    following, after = sentence[i + 1 : i + 2], sentence[i + 2 : i + 3]
    if following in VERB_MARKERS or (following == "了" and after not in ("", *CLAUSE_END)):
        return not _in_word(sentence, i, (i, i + 1))  # 藏着 is the verb's own word
    led = sentence[i] in AS_VERB_AFTER_VERB_BEFORE and sentence[i - 1 : i] in VERB_BEFORE
    return led and not _in_word(sentence, i)


def _after_degree_word(sentence: str, i: int) -> bool:
    """True when a degree word comes just before ``i`` (太重, 有点长), but not one that also comes
    before verbs if the character is a verb too (这么干 gan4)."""
    if not sentence.endswith(DEGREE_BEFORE, 0, i):
        return False
    return sentence[i] not in VERBS_TOO or not sentence.endswith(BEFORE_VERBS_TOO, 0, i)
