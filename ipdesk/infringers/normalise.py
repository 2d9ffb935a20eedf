"""Normalised identifiers of infringers: the forms that match across cases, whoever typed them.

Every function here is pure. Text fields hold several values, one per line or separated by commas
or semicolons (ASCII, full-width or ideographic). All text is NFKC-normalised first, so full-width
forms (ＡＢＣ１２３, ：) match their ASCII twins and decomposed Vietnamese diacritics match composed ones.

Kinds and forms:

- ``seller_id``: casefolded, a leading ``@`` stripped, separators (spaces, ``-``, ``_``, ``.``, ``·``,
  ``/``, ``|``) collapsed away, so "Lucky-Star", "lucky_star" and "@LuckyStar" match: sellers vary
  them between platforms, and a suggestion is only offered, never linked by itself.
- ``url_host``: the host of each web address (``https://``, ``http://`` or none at all), lowercase
  and in IDNA (punycode) form, without port, ``www.`` or ``m.``. On the big marketplaces and social
  platforms in :data:`PLATFORMS` a host says nothing about the seller (every Taobao shop lives on
  taobao.com), so there the identifier is the platform's domain plus the shop's key, taken in this
  order from: a shop or seller query parameter (``shop_id``, ``seller``, ``me`` ...), a ``/shop/<key>``
  style path, a shop subdomain (``lucky.taobao.com``), or the first path segment when it names an
  account (``tokopedia.com/<shop>``, ``instagram.com/<account>``). A product page alone yields
  nothing: it does not say which shop sells it, and the platform's name alone would match everyone.
- ``contact``: ``email:`` lowercased addresses; ``phone:`` digits only (a leading ``+`` or ``00``
  marks the country code, which is kept as digits); ``<messenger>:`` casefolded ids after a known
  messenger prefix (``wechat: abc``, ``LINE ID: abc``, ``微信：abc``); WhatsApp, Viber, Zalo and
  Telegram ids that are phone numbers become ``phone:``; other single-word ids ``id:``.
- ``name``: casefolded without spaces and punctuation; a weaker signal, shown as such.
"""
import re
import unicodedata
from urllib.parse import parse_qsl, urlsplit

SEPARATORS = re.compile(r"[\r\n,;、]+")
SELLER_SEPARATORS = re.compile(r"[\s\-_.·・/|]+")
PHONE_CHARS = re.compile(r"[\s\-().\/]+")
PHONE = re.compile(r"\+?\d{6,15}")
EMAIL = re.compile(r"[^@\s<>()\"'\[\]]+@[^@\s<>()\"'\[\]]+\.[^\W\d_]{2,}")
TOP_LABEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]+")

# Messenger names as people write them -> one canonical name.
MESSENGERS = {
    "wechat": "wechat", "weixin": "wechat", "wx": "wechat", "vx": "wechat", "微信": "wechat",
    "line": "line", "whatsapp": "whatsapp", "wa": "whatsapp", "telegram": "telegram", "tg": "telegram",
    "kakaotalk": "kakaotalk", "kakao": "kakaotalk", "카카오톡": "kakaotalk", "zalo": "zalo", "qq": "qq",
    "viber": "viber", "skype": "skype",
}
PHONE_MESSENGERS = {"whatsapp", "viber", "zalo", "telegram"}
# "wechat: abc", "WeChat ID abc", "微信：abc"; a separator is required, so "wallace@x.com" is no "wa" id.
MESSENGER_NAMES = "|".join(sorted(map(re.escape, MESSENGERS), key=len, reverse=True))
MESSENGER = re.compile(rf"(?P<name>{MESSENGER_NAMES})\s*(?:id|号)?\s*(?:[:=]\s*|\s+)(?P<value>\S.*)", re.IGNORECASE)

# Marketplaces and social platforms: their name, whatever the country's domain (shopee.co.th, amazon.de).
PLATFORMS = frozenset({
    "taobao", "tmall", "1688", "jd", "pinduoduo", "yangkeduo", "aliexpress", "alibaba", "shopee", "lazada",
    "amazon", "tokopedia", "bukalapak", "tiki", "sendo", "zalora", "rakuten", "coupang", "ebay", "etsy",
    "flipkart", "mercadolibre", "mercadolivre", "temu", "shein", "qoo10", "gmarket", "11st", "weidian",
    "facebook", "instagram", "tiktok", "douyin", "youtube", "weibo", "xiaohongshu", "twitter", "x", "vk",
})
# Hosts whose every path is someone else's: link shorteners and messenger links.
PATH_HOSTS = frozenset({"bit.ly", "t.co", "tinyurl.com", "linktr.ee", "t.me", "wa.me", "line.me", "lin.ee",
                        "fb.com", "fb.me", "instagr.am", "vt.tiktok.com", "a.co", "amzn.to", "s.click.aliexpress.com"})
SHOP_PARAMS = ("shopid", "sellerid", "storeid", "seller", "userid", "me", "shop", "store")
SHOP_PATHS = frozenset({"shop", "shops", "store", "stores", "seller", "sellers", "sp", "storefront"})
# Subdomains and first path segments that are pages of the platform, not shops.
GENERIC_LABELS = frozenset({
    "www", "m", "h5", "item", "items", "detail", "details", "product", "products", "p", "i", "dp", "gp", "s",
    "search", "list", "category", "categories", "c", "cat", "world", "global", "sale", "deals", "shop",
    "shops", "store", "stores", "mall", "en", "ko", "zh", "th", "vi", "id", "help", "login", "cart", "watch",
    "video", "reel", "reels", "explore", "hashtag", "groups", "pages", "marketplace", "profile.php", "share",
    "u", "user", "users", "web", "mobile", "wap", "login.php", "tag", "tags", "brand", "brands", "campaign",
})
# Path segments that make a URL a product page; a product page alone does not name its shop.
PRODUCT_SEGMENTS = frozenset({"dp", "gp", "item", "items", "product", "products", "p", "i", "detail", "offer"})
PRODUCT_PAGE = re.compile(r"\.s?html?$|-i\.\d+\.\d+$")  # item.htm, 1234.html, Serum-i.123.456 (Shopee)
JD_SHOP_PAGE = re.compile(r"index-(\d+)\.html?")  # mall.jd.com/index-1000001.html


def split_values(text: str | None) -> list[str]:
    """The separate values of a multi-line or comma-separated field, NFKC-normalised and trimmed."""
    text = unicodedata.normalize("NFKC", text or "")
    return [v.strip() for v in SEPARATORS.split(text) if v.strip()]


def seller_id(value: str) -> str:
    """One shop or seller id in its matching form ('' when nothing is left)."""
    value = unicodedata.normalize("NFKC", value).casefold().strip().lstrip("@")
    return SELLER_SEPARATORS.sub("", value)


def seller_ids(text: str | None) -> set[str]:
    return {v for v in map(seller_id, split_values(text)) if v}


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:  # a label the codec refuses (too long, empty): keep the readable form
        return host


def url_identifier(url: str) -> str | None:
    """The identifier of one web address, or None when it names no site or shop."""
    url = unicodedata.normalize("NFKC", url).replace("\u3002", ".").strip().strip("<>\"'()[]")
    if not url:
        return None
    if "://" not in url:
        url = "http://" + url.lstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed port or bracket
        return None
    if not host or "." not in host.strip("."):
        return None
    labels = _idna(host.strip(".").casefold()).split(".")
    if not TOP_LABEL.fullmatch(labels[-1]):  # "e.g." or a typo, not a host
        return None
    while len(labels) > 2 and labels[0] in ("www", "m"):
        labels = labels[1:]
    host = ".".join(labels)
    segments = [s for s in parts.path.split("/") if s]
    if host in PATH_HOSTS:
        return f"{host}/{segments[0].casefold()}" if segments else None
    index = _platform_index(labels)
    if index is None:
        return host
    key = _shop_key(labels[:index], segments, parts.query)
    return f"{'.'.join(labels[index:])}/{key.casefold()}" if key else None


def _platform_index(labels: list[str]) -> int | None:
    """Where the platform's name starts in ``labels`` (taobao in shop1.taobao.com), if it is one."""
    for index, label in enumerate(labels):
        suffix = labels[index + 1:]
        if label in PLATFORMS and 1 <= len(suffix) <= 2 and all(len(s) <= 3 for s in suffix):
            return index
    return None


def _shop_key(subdomains: list[str], segments: list[str], query: str) -> str | None:
    params = {re.sub(r"[^a-z]", "", k.casefold()): v.strip() for k, v in parse_qsl(query)}
    for name in SHOP_PARAMS:
        if params.get(name):
            return params[name]
    for first, second in zip(segments, segments[1:], strict=False):
        if first.casefold() in SHOP_PATHS and not PRODUCT_PAGE.search(second):
            return second
    if segments and (jd_shop := JD_SHOP_PAGE.fullmatch(segments[0])):
        return jd_shop[1]
    shops = [s for s in subdomains if s not in GENERIC_LABELS]
    if shops:
        return shops[-1]
    if not segments or any(s.casefold() in PRODUCT_SEGMENTS for s in segments):
        return None
    first = segments[0].lstrip("@")
    if first.casefold() in GENERIC_LABELS or PRODUCT_PAGE.search(first):
        return None
    return first


def url_hosts(text: str | None) -> set[str]:
    values = [token for value in split_values(text) for token in value.split()]
    return {v for v in map(url_identifier, values) if v}


def phone(value: str) -> str | None:
    """Digits only; a leading + or 00 (an international prefix) keeps the country code as digits."""
    compact = PHONE_CHARS.sub("", value.removeprefix("tel:"))
    if not PHONE.fullmatch(compact):
        return None
    if compact.startswith("00"):
        compact = compact[2:]
    return compact.lstrip("+")


def contact(value: str) -> str | None:
    """One contact id in its matching form, or None for text that is not one."""
    value = unicodedata.normalize("NFKC", value).strip()
    if value.casefold().startswith("mailto:"):
        value = value[len("mailto:"):]
    if email := EMAIL.search(value):  # also "Wang <wang@example.com>"
        return f"email:{email[0].casefold()}"
    if number := phone(value):
        return f"phone:{number}"
    if match := MESSENGER.fullmatch(value):
        messenger = MESSENGERS[match["name"].casefold()]
        handle = match["value"].strip().lstrip("@").strip()
        if messenger in PHONE_MESSENGERS and (number := phone(handle)):
            return f"phone:{number}"
        return f"{messenger}:{handle.casefold()}" if handle else None
    handle = value.lstrip("@")
    if handle and not any(c.isspace() for c in handle):
        return f"id:{handle.casefold()}"
    return None


def contacts(text: str | None) -> set[str]:
    return {v for v in map(contact, split_values(text)) if v}


def name(value: str) -> str:
    """A name without case, spaces and punctuation."""
    value = unicodedata.normalize("NFKC", value).casefold()
    return "".join(c for c in value if unicodedata.category(c)[0] not in "PSZC")


def names(text: str | None) -> set[str]:
    """One name a line (a comma belongs to "Co., Ltd."); shorter than two characters is no signal."""
    lines = unicodedata.normalize("NFKC", text or "").splitlines()
    return {v for v in map(name, lines) if len(v) >= 2}


def identifiers(*, names_text: str = "", shop_ids: str = "", urls: str = "", contacts_text: str = ""
                ) -> set[tuple[str, str]]:
    """Every (kind, value) pair the given fields yield; kinds are IdentifierKind names."""
    return ({("name", v) for v in names(names_text)} | {("seller_id", v) for v in seller_ids(shop_ids)}
            | {("url_host", v) for v in url_hosts(urls)} | {("contact", v) for v in contacts(contacts_text)})
