"""Normalised identifiers: the same seller, address or contact matches however it was typed."""
import unicodedata

import pytest

from ipdesk.infringers.normalise import (
    contact,
    contacts,
    identifiers,
    name,
    names,
    seller_id,
    seller_ids,
    url_hosts,
    url_identifier,
)

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize("typed, expected", [
    ("LuckyStar", "luckystar"),
    ("  @LuckyStar ", "luckystar"),
    ("Lucky-Star_Shop", "luckystarshop"),
    ("lucky  .  star", "luckystar"),
    ("ｌｕｃｋｙ　ｓｔａｒ", "luckystar"),             # full-width letters and ideographic space
    ("＠ＳＥＬＬＥＲ１２３", "seller123"),              # full-width @ and digits
    ("美妆 旗舰店", "美妆旗舰店"),                      # Chinese
    ("上海美妆贸易有限公司", "上海美妆贸易有限公司"),
    ("ร้าน ลัคกี้ บิวตี้", "ร้านลัคกี้บิวตี้"),          # Thai
    ("Cửa Hàng Mỹ Phẩm", "cửahàngmỹphẩm"),           # Vietnamese
    ("Straße", "strasse"),                              # casefold, not just lower
    ("@", ""),
    ("lucky·star/shop|1", "luckystarshop1"),
])
def test_seller_ids(typed, expected):
    assert seller_id(typed) == expected


def test_decomposed_vietnamese_matches_composed():
    assert seller_id(unicodedata.normalize("NFD", "Cửa Hàng Mỹ Phẩm")) == seller_id("cửa hàng mỹ phẩm")
    assert name(unicodedata.normalize("NFD", "Công ty TNHH Sao Vàng")) == name("CÔNG TY TNHH SAO VÀNG")


def test_values_split_on_lines_commas_and_semicolons_in_every_width():
    assert seller_ids("a1, b2；c3\nd4、e5\r\n;;, f6 ") == {"a1", "b2", "c3", "d4", "e5", "f6"}
    assert seller_ids("") == set() and seller_ids(None) == set()


@pytest.mark.parametrize("url, expected", [
    ("https://shop.example.com/x/y?z=1", "shop.example.com"),
    ("shop.example.com/x", "shop.example.com"),                     # no scheme
    ("http://WWW.Example.COM:8080/x", "example.com"),               # case, www. and port
    ("https://m.example.co.th", "example.co.th"),
    ("ｓｈｏｐ．ｅｘａｍｐｌｅ．ｃｏｍ／店", "shop.example.com"),           # full-width
    ("http://例子。中国/x", "xn--fsqu00a.xn--fiqs8s"),                 # IDNA, ideographic full stop
    ("https://ร้านค้า.ไทย/", "xn--42c5b3a1dc8kd.xn--o3cw4h"),           # Thai IDN
    # marketplaces: the platform plus the shop, never the platform alone
    ("https://shopee.co.th/luckystar", "shopee.co.th/luckystar"),
    ("https://m.shopee.co.th/LuckyStar?sp_atk=1", "shopee.co.th/luckystar"),
    ("https://shopee.co.th/shop/123456", "shopee.co.th/123456"),
    ("https://shopee.vn/Serum-Han-Quoc-i.123.456", None),          # a product page
    ("https://shopee.vn", None),
    ("https://shop123456.taobao.com/", "taobao.com/shop123456"),
    ("https://luckystar.tmall.com/shop/view_shop.htm", "tmall.com/luckystar"),
    ("https://item.taobao.com/item.htm?id=123", None),
    ("https://detail.tmall.com/item.htm?id=9&shop_id=777", "tmall.com/777"),
    ("https://www.amazon.com/sp?seller=A1B2C3", "amazon.com/a1b2c3"),
    ("https://www.amazon.com/s?me=A1B2C3&marketplaceID=1", "amazon.com/a1b2c3"),
    ("https://www.amazon.co.jp/Some-Serum/dp/B0001", None),
    ("https://fr.aliexpress.com/store/1234567", "aliexpress.com/1234567"),
    ("https://mall.jd.com/index-1000001.html", "jd.com/1000001"),
    ("https://item.jd.com/100012.html", None),
    ("tokopedia.com/luckystar/serum-asli", "tokopedia.com/luckystar"),
    ("https://www.lazada.co.th/shop/lucky-star/", "lazada.co.th/lucky-star"),
    ("https://www.lazada.co.th/products/serum-i123.html", None),
    ("https://www.tiktok.com/@luckystar/video/1", "tiktok.com/luckystar"),
    ("https://www.instagram.com/lucky.star/", "instagram.com/lucky.star"),
    ("https://t.me/LuckyStar", "t.me/luckystar"),
    ("https://t.me", None),
    ("e.g.", None),
    ("hello", None),
])
def test_url_identifiers(url, expected):
    assert url_identifier(url) == expected


def test_marketplace_hosts_alone_never_match_two_sellers():
    first = url_hosts("https://shop111.taobao.com\nhttps://item.taobao.com/item.htm?id=1")
    second = url_hosts("https://shop222.taobao.com\nhttps://item.taobao.com/item.htm?id=2")
    assert first == {"taobao.com/shop111"} and second == {"taobao.com/shop222"}
    assert not any(value == "taobao.com" for value in first | second)


def test_urls_are_found_in_running_text():
    assert url_hosts("Seen at https://a.example.com/x and, later, b.example.org; see e.g. notes") == {
        "a.example.com", "b.example.org"}


@pytest.mark.parametrize("typed, expected", [
    ("Seller@Example.COM", "email:seller@example.com"),
    ("mailto:a@b.co", "email:a@b.co"),
    ("Wang <Wang@Example.COM>", "email:wang@example.com"),
    ("+86 138-0013-8000", "phone:8613800138000"),
    ("0086 (138) 0013 8000", "phone:8613800138000"),                # 00 international prefix
    ("tel:+86.138.0013.8000", "phone:8613800138000"),
    ("＋６６ ８１ ２３４ ５６７８", "phone:66812345678"),                 # full-width digits
    ("WhatsApp: +66 81 234 5678", "phone:66812345678"),              # a phone-number messenger id
    ("Zalo: 0912 345 678", "phone:0912345678"),
    ("WeChat: LuckyStar88", "wechat:luckystar88"),
    ("wechat:LuckyStar88", "wechat:luckystar88"),
    ("WeChat ID  LuckyStar88", "wechat:luckystar88"),
    ("微信：LuckyStar88", "wechat:luckystar88"),                      # full-width colon
    ("微信号: luckystar88", "wechat:luckystar88"),
    ("LINE ID: @Lucky", "line:lucky"),
    ("line @lucky", "line:lucky"),
    ("Telegram: @LuckyStar", "telegram:luckystar"),
    ("QQ: 12345678", "qq:12345678"),
    ("KakaoTalk: 럭키스타", "kakaotalk:럭키스타"),
    ("@LuckyStar", "id:luckystar"),
    ("wxid_Abc123", "id:wxid_abc123"),
    ("Mr Wang, the manager", None),
    ("", None),
])
def test_contacts(typed, expected):
    assert contact(typed) == expected


def test_contact_fields_split_and_match_across_forms():
    assert contacts("WeChat: abc, LINE: def\n+66 81 234 5678") == {"wechat:abc", "line:def", "phone:66812345678"}
    assert contacts("WhatsApp: +66812345678") == contacts("0066-81-234-5678")


@pytest.mark.parametrize("typed, expected", [
    ("Lucky Star Trading Co., Ltd.", "luckystartradingcoltd"),
    ("上海 美妆贸易（有限公司）", "上海美妆贸易有限公司"),                   # full-width brackets are punctuation
    ("ร้านลัคกี้ บิวตี้", "ร้านลัคกี้บิวตี้"),                           # Thai marks stay
    ("شركة النجم للتجارة", "شركةالنجمللتجارة"),
])
def test_names(typed, expected):
    assert name(typed) == expected


def test_a_name_is_one_line_and_needs_two_characters():
    assert names("Lucky Star Trading Co., Ltd.\nX\n金星") == {"luckystartradingcoltd", "金星"}


def test_identifiers_of_all_kinds():
    assert identifiers(names_text="金星贸易", shop_ids="@JinXing", urls="https://jinxing.tmall.com",
                       contacts_text="微信：jinxing") == {
        ("name", "金星贸易"), ("seller_id", "jinxing"), ("url_host", "tmall.com/jinxing"),
        ("contact", "wechat:jinxing")}
