"""Numbers read by their context: codes and telephone numbers digit by digit, quantities as numbers."""

import pytest

from app.text.normalize import normalize


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("验证码是690253", "验证码是六九零二五三"),
        ("您的校验码为：381204", "您的校验码为:三八幺二零四"),
        ("密码123456", "密码幺二三四五六"),
        ("房间号是1208", "房间号是幺二零八"),
        ("请到1208室", "请到幺二零八室"),
        ("领取1208房间的房卡", "领取幺二零八房间的房卡"),
        ("在508会议室召开", "在五零八会议室召开"),
        ("诊室号：305", "诊室号:三零五"),
        ("邮编100084", "邮编幺零零零八四"),
        ("工号1024", "工号幺零二四"),
        ("学号20190112", "学号二零幺九零幺幺二"),
        ("订单号2024051188", "订单号二零二四零五幺幺八八"),
        ("尾号为8871的银行卡", "尾号为八八七幺的银行卡"),
        ("卡号6225 8812 3456", "卡号六二二五八八幺二三四五六"),
        ("车次G1234", "车次G幺二三四"),
        ("航班CA1831", "航班CA幺八三幺"),
        ("分机8012", "分机八零幺二"),
        ("编号0031", "编号零零三幺"),
    ],
)
def test_verification_codes_and_numbers_after_keywords_are_read_digit_by_digit(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("房间里有10个人", "房间里有十个人"),
        ("手机电池容量5000毫安时", "手机电池容量五千毫安时"),
        ("拨打电话2000次", "拨打电话两千次"),
        ("账号余额5000元", "账号余额五千元"),
        ("手机售价3999", "手机售价三千九百九十九"),
        ("手机价格：1999", "手机价格:一千九百九十九"),
        ("这款手机售价$999，约合", "这款手机售价九百九十九美元，约合"),
    ],
)
def test_a_count_an_amount_or_a_price_after_a_keyword_is_still_a_quantity(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("0755-86013388转8001", "零七五五八六零幺三三八八转八零零幺"),
        ("13812345678转12", "幺三八幺二三四五六七八转幺二"),
        ("400-820-8820 转 3", "四零零八二零八八二零转三"),
    ],
)
def test_an_extension_after_a_telephone_number_is_dialled_too(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("13812345678", "幺三八幺二三四五六七八"),
        ("138-1234-5678", "幺三八幺二三四五六七八"),
        ("138 1234 5678", "幺三八幺二三四五六七八"),
        ("+86 138 1234 5678", "加八六幺三八幺二三四五六七八"),
        ("(010)12345678", "零幺零幺二三四五六七八"),
        ("（010）12345678", "零幺零幺二三四五六七八"),
        ("010-62345678", "零幺零六二三四五六七八"),
        ("0755 86013388", "零七五五八六零幺三三八八"),
        ("400-820-8820", "四零零八二零八八二零"),
    ],
)
def test_telephone_numbers_in_every_usual_form(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("拨打110或者120", "拨打幺幺零或者幺二零"),
        ("火警119", "火警幺幺九"),
        ("查号台114", "查号台幺幺四"),
        ("请致电12315投诉", "请致电幺二三幺五投诉"),
        ("12306订票", "幺二三零六订票"),
        ("10086是移动客服", "幺零零八六是移动客服"),
        ("工行95588", "工行九五五八八"),
    ],
)
def test_service_numbers_are_dialled_wherever_they_stand(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("共有120人", "共有一百二十人"),
        ("110公斤", "一百一十公斤"),
        ("第110名", "第一百一十名"),
        ("120元", "一百二十元"),
        ("这本书共有119页", "这本书共有一百一十九页"),
    ],
)
def test_service_numbers_used_as_quantities_stay_quantities(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("¥1,250.50", "一千二百五十元五角"),
        ("¥12", "十二元"),
        ("¥1.2万", "壹点二万元"),
        ("RMB 300", "三百元"),
        ("US$20", "二十美元"),
    ],
)
def test_money_with_separators_and_currency_codes(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [("Python 3.11", "Python 三点十一"), ("3.11版本", "三点十一版本"), ("v2.0.1", "v二点零点壹"), ("3.11", "三点壹壹")],
)
def test_versions_read_each_part_as_a_number(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [("以3-2获胜", "以三比二获胜"), ("比分3:15", "比分三比十五"), ("主队2:1领先", "主队二比一领先")],
)
def test_scores(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("20-25℃", "二十到二十五摄氏度"),
        ("20℃-25℃", "二十摄氏度到二十五摄氏度"),
        ("1-2个", "一到两个"),
        ("20%-30%", "百分之二十到百分之三十"),
        ("20-30%", "百分之二十到三十"),
        ("9:00-17:30", "九点到十七点三十分"),
    ],
)
def test_ranges_with_units(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("-5℃", "零下五摄氏度"),
        ("气温-10~5℃", "气温零下十到五摄氏度"),
        ("-3°C", "零下三摄氏度"),
        ("亏损-5%", "亏损负百分之五"),
    ],
)
def test_negative_temperatures_are_below_zero(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("5-3=2", "五减三等于二"),
        ("3×4=12", "三乘以四等于十二"),
        ("-2×3=-6", "负二乘以三等于负六"),
        ("10÷2=5", "十除以二等于五"),
        ("x≥5", "x大于等于五"),
        ("±0.5", "正负零点五"),
    ],
)
def test_math_signs(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("A380", "A三八零"),
        ("G1234次", "G幺二三四次"),
        ("iPhone 15", "iPhone 十五"),
        ("5G网络", "五G网络"),
        ("COVID-19", "COVID 十九"),
        ("MP3", "MP三"),
    ],
)
def test_model_and_product_names(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("service@huayin.com", "service艾特huayin点com"),
        ("https://www.huayin.cn/docs", "www点huayin点cn斜杠docs"),
        ("huayin.com", "huayin点com"),
    ],
)
def test_email_addresses_and_urls(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("2个", "两个"),
        ("2点开会", "两点开会"),
        ("12个", "十二个"),
        ("22人", "二十二人"),
        ("2万人", "两万人"),
        ("2千克", "两千克"),
        ("第2名", "第二名"),
        ("2号楼", "二号楼"),
        ("2月", "二月"),
    ],
)
def test_liang_and_er_as_people_say_them(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("16GB内存", "十六G内存"),
        ("5000mAh", "五千毫安时"),
        ("3.5kW·h", "三点五千瓦时"),
        ("100m³", "一百立方米"),
        ("2.4GHz", "二点四吉赫兹"),
        ("10m/s", "十米每秒"),
        ("98.6°F", "九十八点六华氏度"),
    ],
)
def test_more_units(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"), [("90年代", "九十年代"), ("2024届", "二零二四届"), ("公元前221年", "公元前二百二十一年")]
)
def test_decades_and_years(text, spoken):
    assert normalize(text) == spoken


def test_a_full_width_comma_is_not_a_thousands_separator():
    assert normalize("有3，500人") == "有三，五百人"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("021-5888 1234", "零二幺五八八八幺二三四"),
        ("门牌号是88号", "门牌号是八八号"),
        ("电信10000号", "电信幺零零零零号"),
        ("波音737", "波音七三七"),
    ],
)
def test_more_numbers_to_dial_and_names(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("100-200元", "一百到二百元"),
        ("3至5年", "三至五年"),
        ("1-3月", "壹到三月"),
        ("100%", "百分之百"),
        ("20000", "两万"),
    ],
)
def test_ranges_keep_their_word_and_bare_amounts_say_liang(text, spoken):
    assert normalize(text) == spoken
