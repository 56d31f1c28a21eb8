"""Korean grocery titles for generated catalogues: brand, a modifier, a product noun of the
department and a pack size, in the shapes Korean shops write them.

Search is judged on these (issue 30): particles, spacing and typos are tried on them, so they
need what real titles have: brands, compound nouns written with and without a space
(유기농우유, 유기농 우유), sizes with units (500ml, 10개입). No real brand is named.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

BRANDS: Sequence[str] = (
    "해담", "늘봄", "초록마을", "다온", "산들", "가온", "푸른들", "온누리", "한빛", "새봄",
    "솔향", "바다향", "들녘", "하늘채", "참마루", "소담", "누리", "아람", "은하수", "별빛",
)  # fmt: skip

MODIFIERS: Sequence[str] = (
    "유기농", "무첨가", "저지방", "국산", "대용량", "프리미엄", "친환경", "무향", "순한",
    "매운", "달콤한", "고소한", "신선한", "저당", "무염", "미니", "가정용", "수제",
)  # fmt: skip

SIZES: Sequence[str] = (
    "100g", "200g", "500g", "1kg", "2kg", "250ml", "500ml", "1L", "2L",
    "6개입", "10개입", "12구", "30구", "3팩", "5매", "20봉",
)  # fmt: skip

# Product nouns by Instacart department (compounds included: Kiwi splits them, and the
# bench writes them split and joined).
NOUNS: Mapping[str, Sequence[str]] = {
    "frozen": ("냉동만두", "아이스크림", "냉동피자", "냉동새우", "물만두", "떡갈비", "볶음밥"),
    "bakery": ("통밀식빵", "우유식빵", "크루아상", "베이글", "모닝빵", "카스텔라", "바게트"),
    "produce": ("사과", "바나나", "딸기", "양파", "당근", "감자", "방울토마토", "블루베리",
                "양상추", "애호박", "고구마", "청포도"),
    "alcohol": ("맥주", "와인", "막걸리", "하이볼", "샴페인", "청주"),
    "international": ("쌀국수", "카레", "타코소스", "굴소스", "코코넛밀크", "김밥김"),
    "beverages": ("생수", "탄산수", "오렌지주스", "보리차", "녹차티백", "아메리카노",
                  "이온음료", "자몽에이드"),
    "pets": ("고양이사료", "강아지사료", "강아지간식", "고양이모래", "배변패드"),
    "dry goods pasta": ("스파게티면", "파스타소스", "마카로니", "현미", "라면", "칼국수면"),
    "bulk": ("견과류", "건포도", "오트밀", "귀리", "아몬드", "캐슈넛"),
    "personal care": ("샴푸", "린스", "바디워시", "치약", "칫솔", "핸드크림", "선크림",
                      "면도기"),
    "meat seafood": ("닭가슴살", "삼겹살", "소고기", "고등어", "연어", "새우", "오징어",
                     "닭다리살"),
    "pantry": ("올리브유", "간장", "고추장", "된장", "설탕", "소금", "식초", "참기름",
               "밀가루"),
    "breakfast": ("시리얼", "그래놀라", "팬케이크믹스", "딸기잼", "땅콩버터", "꿀"),
    "canned goods": ("참치캔", "옥수수통조림", "토마토소스", "복숭아통조림", "햄통조림",
                     "콩통조림"),
    "dairy eggs": ("우유", "요거트", "치즈", "버터", "달걀", "생크림", "두부", "두유"),
    "household": ("세탁세제", "섬유유연제", "주방세제", "키친타월", "화장지", "물티슈",
                  "쓰레기봉투", "고무장갑"),
    "babies": ("기저귀", "분유", "이유식", "아기물티슈", "젖병"),
    "snacks": ("감자칩", "초콜릿", "쿠키", "팝콘", "젤리", "크래커", "에너지바"),
    "deli": ("샐러드", "훈제연어", "슬라이스햄", "살라미", "후무스", "샌드위치"),
}  # fmt: skip
# Departments the table has no nouns for (Instacart's "other", "missing").
GENERAL_NOUNS: Sequence[str] = ("선물세트", "생활잡화", "간편식", "주방용품")

JOINED_SHARE = 0.3  # titles that write modifier and noun as one word (유기농우유)


def grocery_title(department: str, rng: random.Random) -> str:
    """A Korean title for a product of ``department``: 해담 유기농 우유 1L, 늘봄 저당딸기잼 500g."""
    noun = rng.choice(NOUNS.get(department, GENERAL_NOUNS))
    modifier = rng.choice(MODIFIERS)
    joiner = "" if rng.random() < JOINED_SHARE else " "
    return f"{rng.choice(BRANDS)} {modifier}{joiner}{noun} {rng.choice(SIZES)}"
