"""Detectors for structured identifiers: IDs, phones, cards, codes, plates and the like.

Each detector is one precompiled regex plus a validator (checksums where the standard
defines one) and context words that raise or lower the score. Regexes are anchored on
ASCII boundaries so a mobile number is never found inside an ID. Scores follow the
Presidio habit: 0.95+ for checksum-valid values, about 0.8 for well-formed values without
a checksum, 0.5 for partially masked values, and context words decide the rest.
"""

from __future__ import annotations

import ipaddress
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date

from kaifang import checksums
from kaifang.privacy.normalize import NormalizedText
from kaifang.privacy.registry import RawSpan

_B = r"(?<![0-9A-Za-z])"  # no ASCII letter or digit before
_E = r"(?![0-9A-Za-z])"  # and none after
_MASKED = 0.5
_WINDOW = 16


def _lead(first: str) -> str:
    """Return ``first`` followed by a check that no letter or digit precedes it.

    Starting a pattern with a character class (rather than a lookbehind) lets the regex
    engine skip quickly to candidate positions; this doubles throughput on long texts.
    """
    return f"{first}(?<![0-9A-Za-z]{first})"


def has_context(text: str, start: int, end: int, words: tuple[str, ...], after: int = 0) -> bool:
    """Return whether one of ``words`` occurs just before (or ``after`` chars after) a span."""
    window = text[max(0, start - _WINDOW) : start]
    if after:
        window += text[end : end + after]
    return any(word in window for word in words)


@dataclass(frozen=True, slots=True)
class _Context:
    positive: tuple[str, ...]
    negative: tuple[str, ...] = ("订单", "单号", "编号", "流水", "快递", "运单", "批次", "序号")


class _PatternDetector(ABC):
    """Base: iterate one regex, let ``score`` accept (a float) or reject (None) each match."""

    kind = ""
    pattern: re.Pattern[str]
    context = _Context(())

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        """Return scored spans of this kind in ``doc``'s normalised text."""
        return self.scan(self.pattern, doc.text)

    def scan(self, pattern: re.Pattern[str], text: str) -> list[RawSpan]:
        """Return the scored spans of ``pattern``'s matches in ``text``."""
        spans: list[RawSpan] = []
        for match in pattern.finditer(text):
            score = self.score(match, text)
            if score is not None:
                spans.append((match.start(), match.end(), score))
        return spans

    @abstractmethod
    def score(self, match: re.Match[str], text: str) -> float | None:
        """Return a score for ``match`` or None to reject it (each kind defines its own)."""

    def adjust(self, base: float, match: re.Match[str], text: str) -> float:
        """Raise ``base`` by 0.35 on a positive context word, cap it at 0.3 on a negative one."""
        start, end = match.span()
        if has_context(text, start, end, self.context.positive):
            return min(1.0, base + 0.35)
        if has_context(text, start, end, self.context.negative):
            return min(base, 0.3)
        return base


class ResidentIDDetector(_PatternDetector):
    """GB 11643 resident IDs (18 digits, check digit), legacy 15-digit IDs, masked IDs."""

    kind = "resident_id"
    pattern = re.compile(
        _lead("[1-9]") + r"(?:(?P<id18>[0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
        r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx])"
        r"|(?P<id15>[0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3})"
        r"|(?P<masked>[0-9]{0,5}\*{4,14}[0-9]{1,4}[0-9Xx]?))" + _E
    )
    context = _Context(("身份证", "证件号", "公民身份", "身份号", "ID", "证号"), negative=())

    def score(self, match: re.Match[str], text: str) -> float | None:
        """Checksum-valid 18-digit IDs score 0.95, legacy 0.6, masked 0.5, before context."""
        value = match.group()
        if match.lastgroup == "masked":
            return self.adjust(_MASKED, match, text) if len(value) == 18 else None
        if not checksums.is_valid_resident_id(value):
            return None
        return self.adjust(0.95 if len(value) == 18 else 0.6, match, text)


class MobileDetector(_PatternDetector):
    """11-digit mobile numbers on allocated prefixes (``+86`` removed by normalisation)."""

    kind = "mobile"
    pattern = re.compile(
        _lead("1") + r"[3-9](?:(?P<plain>[0-9]{9})|(?P<masked>[0-9]\*{4}[0-9]{4}))" + _E
    )
    context = _Context(
        ("手机", "电话", "联系", "移动", "号码", "mobile", "Tel", "tel", "致电", "拨打")
    )

    def score(self, match: re.Match[str], text: str) -> float | None:
        """Allocated-prefix numbers score 0.85 and masked ones 0.5, before context."""
        if match.lastgroup == "masked":
            return self.adjust(_MASKED, match, text)
        if not checksums.is_valid_mobile(match.group()):
            return None
        return self.adjust(0.85, match, text)


class LandlineDetector(_PatternDetector):
    """Fixed-line numbers with an area code: ``0576-88123456``, ``(010)12345678``."""

    kind = "landline"
    # Starts with the literal "(" or "0" (not a lookbehind) so the engine skips ahead fast.
    pattern = re.compile(
        r"(?:\((?<![0-9A-Za-z]\()0|0(?<![0-9A-Za-z]0))"
        r"(?:(?:10|2[0-9])\)?[ -]?[2-9][0-9]{7}|[3-9][0-9]{2}\)?[ -]?[2-9][0-9]{6,7})"
        r"(?:(?:-|转|ext\.?)[0-9]{1,5})?" + _E
    )
    context = _Context(("电话", "座机", "传真", "联系", "Tel", "tel", "TEL", "办公"))

    def score(self, match: re.Match[str], text: str) -> float | None:
        """Well-formed landlines score 0.75 before context."""
        return self.adjust(0.75, match, text)


_ID_WORDS = ("身份证", "证件号", "公民身份")


class BankCardDetector(_PatternDetector):
    """15-19 digit card numbers with a plausible BIN and a valid Luhn digit; masked cards."""

    kind = "bank_card"
    pattern = re.compile(
        _lead("[2-69]") + r"(?:(?P<plain>[0-9]{14,18})|(?P<masked>[0-9]{3,5}\*{4,12}[0-9]{4}))" + _E
    )
    context = _Context(
        ("卡号", "银行", "账号", "帐号", "开户", "信用卡", "借记卡", "储蓄卡", "银联", "card"),
        negative=(*_Context(()).negative, *_ID_WORDS),
    )

    def score(self, match: re.Match[str], text: str) -> float | None:
        """Luhn-valid numbers score 0.8 (0.85 on a UnionPay 62 BIN), masked 0.45-0.5."""
        value = match.group()
        if match.lastgroup == "masked":
            if not 15 <= len(value) <= 19:
                return None
            return self.adjust(0.45 if len(value) == 18 else _MASKED, match, text)
        if not checksums.is_valid_bank_card(value):
            return None
        if len(value) == 18 and _looks_like_resident_id(value):
            return self.adjust(0.45, match, text)  # an ID with a typo more likely than a card
        return self.adjust(0.85 if value.startswith("62") else 0.8, match, text)


def _looks_like_resident_id(value: str) -> bool:
    """Return whether 18 digits have an ID's province prefix and birth date."""
    born = checksums.resident_id_birth_date(value)
    return value[:2] in checksums.PROVINCE_CODES and born is not None


class USCCDetector(_PatternDetector):
    """GB 32100 unified social credit codes; all-digit codes that are valid IDs score low."""

    kind = "uscc"
    pattern = re.compile(
        _lead("[0-9A-HJ-NPQRTUWXY]") + r"[0-9A-HJ-NPQRTUWXY][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}" + _E
    )
    context = _Context(
        ("信用代码", "社会信用", "统一代码", "纳税人识别号", "税号", "USCC", "注册号"), negative=()
    )

    def score(self, match: re.Match[str], text: str) -> float | None:
        """Valid codes score 0.9 (0.95 with a valid embedded org code), ID look-alikes 0.4."""
        value = match.group()
        if not checksums.is_valid_uscc(value):
            return None
        if has_context(text, *match.span(), self.context.positive):
            return 0.99  # the code's own label beats the 1-in-31 ID coincidence
        org_code_valid = checksums.is_valid_org_code(value[8:17])
        if not value.isdigit():
            return 0.95 if org_code_valid else 0.85
        if checksums.is_valid_resident_id(value) or has_context(text, *match.span(), _ID_WORDS):
            return 0.4  # 1 in 31 valid IDs also passes GB 32100; only context decides
        # All-digit codes exist (public institutions) but so do digit strings that pass
        # the mod-31 check by chance; the embedded organisation code tells them apart.
        return 0.8 if org_code_valid else 0.45


class PassportDetector(_PatternDetector):
    """Chinese passports: E/G + 8, E + letter + 7; P/S/D (official) need context."""

    kind = "passport"
    pattern = re.compile(
        _lead("[EGPSD]")
        + r"(?:(?P<ordinary>(?<=E)[0-9A-HJ-NP-Z][0-9]{7}|(?<=G)[0-9]{8})"
        + r"|(?P<official>(?<=[PSD])[0-9]{7,8}))"
        + _E
    )
    context = _Context(("护照", "passport", "Passport", "PASSPORT"))

    def score(self, match: re.Match[str], text: str) -> float | None:
        """Ordinary passports score 0.6, official ones 0.35, before context."""
        return self.adjust(0.6 if match.lastgroup == "ordinary" else 0.35, match, text)


class TravelPermitDetector(_PatternDetector):
    """Hong Kong, Macau and Taiwan travel permits (往来港澳/台湾通行证, 回乡证, 台胞证)."""

    kind = "travel_permit"
    _LETTERED = (
        r"(?P<hm>(?<=[HM])[0-9]{8}(?:[0-9]{2})?)"
        r"|(?P<other>(?<=[CW])[0-9A-HJ-NP-Z][0-9]{7}|(?<=[LT])[0-9]{8})"
    )
    pattern = re.compile(_lead("[HMCWLT]") + f"(?:{_LETTERED})" + _E)
    # Bare digits count only after a permit word, so without one in the text the cheaper
    # lettered pattern finds exactly the same.
    bare_pattern = re.compile(
        _lead("[HMCWLT0-9]") + f"(?:{_LETTERED}|(?P<bare>(?<=[0-9])[0-9]{{7}}(?:[0-9]{{2}})?))" + _E
    )
    bare_words = ("台胞证", "通行证")

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        """Return permit spans; bare digit permits only in texts with a permit word."""
        text = doc.text
        with_bare = "台胞证" in text or "通行证" in text  # the bare words
        return self.scan(self.bare_pattern if with_bare else self.pattern, text)

    context = _Context(("通行证", "回乡证", "台胞证", "港澳", "台湾", "往来"))

    def score(self, match: re.Match[str], text: str) -> float | None:
        """H/M permits score 0.55, C/W/L/T 0.5; bare digits only after a permit word."""
        kind = match.lastgroup
        if kind == "bare":
            return 0.85 if has_context(text, *match.span(), self.bare_words) else None
        return self.adjust(0.55 if kind == "hm" else 0.5, match, text)


_PROVINCE_ABBR = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"


class PlateDetector(_PatternDetector):
    """Vehicle plates, including 8-character new-energy plates (D/F) and 挂/学/警 suffixes."""

    kind = "plate"
    pattern = re.compile(
        f"[{_PROVINCE_ABBR}][A-HJ-NP-Z][·•. -]?"
        f"(?:[DF]{_PLATE_CHAR}[0-9]{{4}}|[0-9]{{5}}[DF]|{_PLATE_CHAR}{{4}}(?:{_PLATE_CHAR}|[挂学警港澳]))"
        + _E
    )
    context = _Context(("车牌", "号牌", "车辆", "牌照", "车号"))

    def score(self, match: re.Match[str], text: str) -> float | None:
        """Plates with at least two digits score 0.9 before context."""
        digits = sum(char.isdigit() for char in match.group())
        return self.adjust(0.9, match, text) if digits >= 2 else None


_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}(?![A-Za-z0-9])")


class EmailDetector:
    """E-mail addresses, found from each ``@`` outwards (cheap on digit-heavy text)."""

    kind = "email"

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        """Return e-mail spans with score 0.95."""
        text = doc.text
        spans: list[RawSpan] = []
        at = text.find("@")
        while at != -1:
            local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
            domain = _EMAIL_DOMAIN.match(text, at + 1)
            if local and domain and not local.group().startswith("."):
                spans.append((local.start(), domain.end(), 0.95))
            at = text.find("@", at + 1)
        return spans


class IPDetector(_PatternDetector):
    """IPv4 addresses (dotted quad) and IPv6 addresses checked by ``ipaddress``."""

    kind = "ip"
    pattern = re.compile(
        r"[0-9](?<![0-9A-Za-z.][0-9])(?P<v4>[0-9]{0,2}(?:\.[0-9]{1,3}){3})(?![0-9A-Za-z.])"
    )
    v6_pattern = re.compile(
        r"(?<![0-9A-Za-z:])(?P<v6>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![0-9A-Za-z.:])"
    )

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        """Return IPv4 spans when the text has a dot, and IPv6 spans when it has a colon."""
        spans = self.scan(self.pattern, doc.text) if "." in doc.text else []
        if ":" in doc.text:
            spans += self.scan(self.v6_pattern, doc.text)
        return spans

    context = _Context(("IP", "ip", "地址", "登录", "访问", "来源"), negative=("版本", "version"))

    def score(self, match: re.Match[str], text: str) -> float | None:
        """IPv4 scores 0.7 and valid IPv6 0.8 before context."""
        try:
            address = ipaddress.ip_address(match.group())
        except ValueError:
            return None
        return self.adjust(0.7 if address.version == 4 else 0.8, match, text)


class BirthDateDetector(_PatternDetector):
    """Dates next to a birth word (出生, 生日, DOB); other dates are not personal data."""

    kind = "birth_date"
    pattern = re.compile(
        r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})(?:(?P<s>[-/.])(?P<m1>0?[1-9]|1[0-2])(?P=s)"
        r"(?P<d1>0?[1-9]|[12][0-9]|3[01])|年(?P<m2>0?[1-9]|1[0-2])月(?P<d2>0?[1-9]|[12][0-9]|3[01])日?"
        r"|(?P<m3>0[1-9]|1[0-2])(?P<d3>0[1-9]|[12][0-9]|3[01]))(?![0-9])"
    )
    words = ("出生", "生日", "生于", "诞生", "DOB", "dob", "birth", "Birth")

    def score(self, match: re.Match[str], text: str) -> float | None:
        """A real past date within reach of a birth word scores 0.9."""
        if not has_context(text, *match.span(), self.words, after=6):
            return None
        month = match.group("m1") or match.group("m2") or match.group("m3")
        day = match.group("d1") or match.group("d2") or match.group("d3")
        try:
            born = date(int(match.group("y")), int(month), int(day))
        except ValueError:
            return None
        return 0.9 if born <= date.today() else None


_DEGREES = r"-?[0-9]{1,3}\.[0-9]{4,}"


class CoordinatesDetector(_PatternDetector):
    """Precise latitude/longitude pairs (4+ decimals, about 11 m) within a few characters."""

    kind = "coordinates"
    pattern = re.compile(
        r"(?<![0-9.])(?P<a>" + _DEGREES + r")[^0-9\n]{1,12}?(?P<b>" + _DEGREES + r")(?![0-9.])"
    )
    context = _Context(
        ("经纬度", "坐标", "位置", "经度", "纬度", "lat", "lng", "lon", "GPS", "定位")
    )

    def score(self, match: re.Match[str], text: str) -> float | None:
        """A pair where one value is a latitude and the other a longitude scores 0.8."""
        first, second = float(match.group("a")), float(match.group("b"))
        if not _is_lat_lng_pair(first, second):
            return None
        return self.adjust(0.8, match, text)


def _is_lat_lng_pair(first: float, second: float) -> bool:
    """Return whether (first, second) reads as (lat, lng) or (lng, lat)."""
    if max(abs(first), abs(second)) < 1:
        return False
    as_lat_lng = abs(first) <= 90 and abs(second) <= 180
    as_lng_lat = abs(first) <= 180 and abs(second) <= 90
    return as_lat_lng or as_lng_lat


STRUCTURED_DETECTORS: tuple[type, ...] = (
    ResidentIDDetector,
    MobileDetector,
    LandlineDetector,
    BankCardDetector,
    USCCDetector,
    PassportDetector,
    TravelPermitDetector,
    PlateDetector,
    EmailDetector,
    IPDetector,
    BirthDateDetector,
    CoordinatesDetector,
)
