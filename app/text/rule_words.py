"""The words ``reading_rules.py`` looks for around a polyphone, and the readings they show.

Each table says what it is for; the rules, and how often each reads the data right, are
described in ``reading_rules.py``.
"""

from __future__ import annotations

# Personal pronouns (为您服务, 冲我笑, 我明天还你).
PRONOUNS = ("您", "你", "我", "他", "她", "它", "咱", "大家", "人家")
# 为 before these is "for" (为您服务, 为这件事生气, 为谁哭): wei4.
FOR_WHOM = (*PRONOUNS, "这", "那", "此", "谁", "何", "哪")
# 为 is "for" (wei4) in a clause that goes on to what is done for it (为下周的展会忙碌, 为孩子操心).
PURPOSES = (
    "忙", "操心", "着急", "担心", "准备", "发愁", "高兴", "骄傲", "自豪", "感到", "难过", "伤心", "努力",
    "奋斗", "服务", "祈祷", "加油", "干杯", "庆祝", "筹备", "付出", "牺牲", "提供", "捐", "烦恼", "费心",
    "买单", "奔波", "拼搏",
)  # fmt: skip
# Degree words: after a verb's 得 (跑得很快, 干得不错) it is the complement particle de5.
DEGREE = ("很", "真", "太", "非常", "特别", "越", "更", "十分", "挺", "这么", "那么", "不错", "极", "相当", "格外")
# Before an adjective (太重了, 有点长, 好难), which then takes its adjective reading.
DEGREE_BEFORE = (*DEGREE, "有点", "有些", "多么", "比较", "最", "好")
# The adjective reading of a character after a degree word (太重了 zhong4, 太差了 cha4).
ADJECTIVES = {
    "重": "zhong4",
    "长": "chang2",
    "薄": "bao2",
    "难": "nan2",
    "累": "lei4",
    "少": "shao3",
    "好": "hao3",
    "横": "heng4",
    "差": "cha4",
    "干": "gan1",
    "空": "kong1",
    "强": "qiang2",
    "臭": "chou4",
    "晕": "yun1",
    "冲": "chong4",
    "正": "zheng4",
    "乐": "le4",
    "胖": "pang4",
    "扁": "bian3",
}
# Adjectives that are verbs too, after what comes before verbs as well (这么干 gan4, 这活儿好干).
VERBS_TOO = frozenset("干冲")
BEFORE_VERBS_TOO = ("这么", "那么", "好")
# Marks that end a clause.
CLAUSE_END = frozenset("，。！？；：、”’）」』,.!?;:)…—")
# 得 before these is "obtain", de2 (得到, 得以, 得名, 得了第一): no rule reads it.
OBTAINED = frozenset("到以出来名分失知了过益奖罪胜逞手宠意病第")
# 得 before these is "must", dei3, whatever comes before it (这道菜得先炒一下, 你得赶紧走).
MUST_BEFORE = ("先", "赶紧", "马上", "提前", "好好", "把", "抓紧", "尽快", "立刻", "及时", "自己")
# Verbs whose 得 is "obtain" too (挣得, 换得, 征得).
GAINING = frozenset("挣征换赢获求赚博谋夺讨骗取")
# Surnames read otherwise than the characters' usual readings, and the titles that follow a surname.
SURNAMES = {
    "单": "shan4", "解": "xie4", "仇": "qiu2", "区": "ou1", "朴": "piao2", "曾": "zeng1", "查": "zha1",
    "盖": "ge3", "华": "hua4", "任": "ren2", "缪": "miao4", "翟": "zhai2", "乐": "yue4", "曲": "qu1",
    "秘": "bi4", "覃": "qin2", "召": "shao4", "折": "she2", "燕": "yan1", "宁": "ning4", "重": "chong2",
}  # fmt: skip
TITLES = (
    "先生", "女士", "小姐", "老师", "经理", "总", "医生", "大夫", "教授", "师傅", "同学", "阿姨",
    "叔叔", "主任", "书记", "局长", "处长", "科长", "校长", "院长", "警官", "律师", "部长", "董事长",
)  # fmt: skip
# 转 after these, or in a clause with those, goes round, zhuan4 (呼呼地转, 不停转, 绕着太阳转).
ROUND_AFTER = frozenset("地停在直")
ROUND_CLAUSE = frozenset("绕围圈")
ROUNDS = ("圈", "一圈", "了一圈", "了几圈", "个不停", "了两圈", "两圈", "几圈")
# What people leave behind (把钥匙落在家里: la4).
THINGS_LEFT = (*"包伞书卡", "手机", "钥匙", "东西", "钱包", "作业", "衣服", "帽子", "证件", "护照", "电脑", "眼镜")
# A character and its reading when what it does is done to one of these, soon after it in the
# clause (背着新书包: bei1, but 背起课文来 is reciting; 扎两个小辫子: za1, but 扎了一针; 扇着蒲扇: shan1).
BY_OBJECT = {
    "扎": ("za1", ("辫", "马尾", "头发", "头绳", "腰带")),
    "扇": ("shan1", ("扇", "风", "耳光", "巴掌")),
    "背": ("bei1", ("书包", "包", "孩子", "行李", "背包", "行囊", "债", "黑锅")),
    "系": ("ji4", ("领带", "鞋带", "安全带", "围裙", "红领巾")),
    "折": ("she2", ("本钱", "本")),
}
# What is measured (量体温: liang2).
MEASURED = ("体温", "血压", "身高", "体重", "尺寸")
# What is planted (种玉米: zhong4).
CROPS = ("玉米", "庄稼", "土豆", "蔬菜", "水稻", "小麦")
# 吐 before these is "vomit", tu4 (就吐了。, 吐了一路), not "spit out" (吐了一口痰).
THROWN_UP = (*(f"了{end}" for end in CLAUSE_END), "了一路", "了一地", "了一身", "了好几")
# Character → (reading, what may follow it, what may come just before it) for the word it is then.
BY_NEIGHBOURS: dict[str, tuple[str, tuple[str, ...], frozenset[str]]] = {
    "塞": ("sai1", tuple("进入到在给了不满着得住上回下一紧好"), frozenset()),  # 把书塞进书包
    "教": (  # 教我, 在小学教数学
        "jiao1",
        (*PRONOUNS, "数学", "语文", "英语", "学生", "孩子", "小朋友", "钢琴", "画画", "唱歌", "跳舞", "别人"),
        frozenset("在来去会要想能得就还也都请不没"),
    ),
    "铺": ("pu1", tuple("好上在开满着成平了到"), frozenset("把给去来要帮再先")),  # 把床单铺好
    "种": ("zhong4", (*"了着过下上树花菜地田几", "一棵", "一片", "一些", "一排", *CROPS), frozenset()),  # 种了几棵树
    "冲": ("chong4", (*PRONOUNS, "着"), frozenset()),  # 冲我笑
    "盛": ("cheng2", tuple("饭汤粥菜一碗满出好"), frozenset("帮给去再来")),  # 帮我盛一碗饭
    "剥": ("bao1", (*"皮开了掉好一个蒜", "橘子", "桔子", "花生", "鸡蛋"), frozenset("帮给在来去")),  # 剥橘子
    "待": ("dai1", ("着", "会儿", "一会", "了", "在家"), frozenset()),  # 在家待着, 待会儿, 待了三天
    # 量一下体温, 量了血压
    "量": ("liang2", ("一下", "一量", "了一下", *MEASURED, *(f"了{m}" for m in MEASURED)), frozenset("先再帮给去来")),
    "差": ("cha4", tuple("一二两三四五六七八九十几半"), frozenset()),  # 还差五分钟
    "系": ("ji4", (*"好上紧着", "鞋带", "领带", "安全带", "围裙"), frozenset()),  # 把鞋带系好
    "只": ("zhi1", (), frozenset("一二两三四五六七八九十几每半")),  # 两只小猫
    "脏": ("zang1", tuple("衣水手东鞋袜话了的兮"), frozenset("很太真好弄搞别不")),  # 脏衣服
    "撒": ("sa3", (*"上点些盐糖", "一点", "一些", "一把", "葱花", "芝麻"), frozenset()),  # 撒一点盐
    "挑": ("tiao1", tuple("一个了几选水担出好剩毛"), frozenset("随便去来帮再")),  # 随便挑一个
    "卡": (
        "qia3",
        ("住", *(f"在{place}" for place in ("喉", "嗓", "半", "中间", "门", "里"))),
        frozenset(),
    ),  # 鱼刺卡在嗓子里
    "倒": ("dao4", (*"杯水茶酒进入掉满", "一杯", "一碗", "一点", "上一"), frozenset()),  # 倒杯热茶
    "数": ("shu3", ("到", "不清", "不过来", "钱", "星星", "羊"), frozenset()),  # 从一数到一百
    "结": ("jie1", ("果子", "了果", "满了果", "了很多果", "了不少果", "出果", "满果"), frozenset()),  # 结了很多果子
    "吐": ("tu4", THROWN_UP, frozenset()),  # 晕车吐了一路
    "涨": ("zhang4", ("红", "得通红", "得满脸通红", "得发紫"), frozenset("脸")),  # 脸涨得通红
    "供": ("gong4", ("着", "奉", "品", "桌"), frozenset()),  # 庙里供着佛像
    "尽": ("jin4", ("了", "力", "心", "责", "到"), frozenset()),  # 尽了最大努力
    "中": (
        "zhong4",
        ("奖", "彩", "了一等奖", "了二等奖", "了三等奖", "了大奖", "了头奖", "了奖", "了彩票"),
        frozenset(),
    ),  # 中了大奖
}
# The verb reading of a character (藏 cang2, not the noun's zang4), for where a word of its own is
# followed by what only follows a verb: an aspect marker or a complement (藏着, 数过, 缝在衣服上,
# 藏得很深, 卷起袖子), or 了 that does not end the clause (喝了一杯; in 增加奶量了。 it may follow
# a noun).
AS_VERB = {
    "扇": "shan1", "量": "liang2", "钻": "zuan1", "缝": "feng2", "铺": "pu1", "担": "dan1", "钉": "ding4",
    "种": "zhong4", "数": "shu3", "称": "cheng1", "盛": "cheng2", "卷": "juan3", "传": "chuan2", "泊": "bo2",
    "藏": "cang2", "载": "zai4", "教": "jiao1", "乘": "cheng2", "夹": "jia1", "切": "qie1", "喝": "he1",
    "哄": "hong3", "差": "cha4",
}  # fmt: skip
VERB_MARKERS = ("着", "过", "得", "在", "起")
# Or preceded by what comes before a verb (要藏, 先量一下, 会数数): the characters of ``AS_VERB``
# but 差, which is as often chai1 there (先差人进城).
VERB_BEFORE = frozenset("要想会能去来别没先再快就正帮")
AS_VERB_AFTER_VERB_BEFORE = frozenset(AS_VERB) - {"差"}
