"""The documents' floor: static HTML of a given page count in the house fonts, no database, no templating."""
from html import escape

# One row of text in the scripts the case files carry (FONTS.md's mixed page).
SAMPLES = [
    "아름코스메틱 위조 화장품 판매 — 증거 수집 및 현지 조사",
    "深圳市金星美妆贸易有限公司 · 义乌幸运电子商行",
    "國際貿易有限公司 · 株式会社スタートレーディング",
    "ร้านโลตัสบิวตี้ · บริษัท ดราก้อน เทรดดิ้ง จำกัด",
    "Công ty TNHH Thương mại Ngọc Bích · Cửa hàng Mỹ phẩm",
    "شركة اللوتس للتجارة · مؤسسة التنين التجارية",
    "गोल्डन ट्रेडर्स · Сан Трейд ХХК · Golden Ocean Trading Pte Ltd",
]
ROWS_PER_PAGE = 26


def static_html(pages: int) -> str:
    """``pages`` A4 pages, each a heading, a paragraph and a table of mixed-script rows."""
    body = []
    for page in range(1, pages + 1):
        rows = "".join(
            f"<tr><td>{page}.{i + 1}</td><td>{escape(SAMPLES[i % len(SAMPLES)])}</td>"
            f"<td>{escape(SAMPLES[(i + 3) % len(SAMPLES)][:24])}</td><td class=\"num\">{1000 + 37 * i:,}</td></tr>"
            for i in range(ROWS_PER_PAGE))
        body.append(
            f'<section style="break-after: page"><h2>Page {page} · 페이지 {page}</h2>'
            f"<p>{escape(' '.join(SAMPLES[:4]))}</p>"
            f"<table><tr><th>#</th><th>Text</th><th>Party</th><th class=\"num\">Amount</th></tr>{rows}</table>"
            f"</section>")
    return f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>floor</title></head><body>' \
           f'{"".join(body)}</body></html>'
