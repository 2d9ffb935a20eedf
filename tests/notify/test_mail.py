"""The messages the transports send: Korean subjects that keep their spaces in every mail program, and a
console that prints what the reader would read."""
import base64
import email
import email.policy
import quopri
import re

import pytest

from ipdesk.notify.mail import ConsoleTransport, OutgoingMail, SMTPTransport, build_message

SUBJECTS = [  # the app's Korean subjects; Python's own folding lost a space in the first two ("복제화장품")
    "사건 TH-2026-00366 접수: 상표 복제 화장품 매장",
    "사건 TH-2026-00107 접수: Shopee 위조 세럼 판매 게시물",
    "긴급: 내 센터의 새 사건 TH-2026-00107: 방콕 매장의 위조 세럼",
    "내 센터의 새 사건 VN-2026-00003: 하노이 시장 위조품 (Công ty TNHH Thương mại Sao Vàng) 판매와 Shopee Vietnam 및 "
    "Lazada 온라인 게시물 신고 건",
    "Case CN-2026-00042 received: Fake serum on Tmall",
]
ENCODED_WORD = re.compile(r"=\?([^?]+)\?([bBqQ])\?([^?]*)\?=")


def read_as_rfc_2047(raw: str) -> str:
    """A header value read as RFC 2047 says (section 6.2): white space between two encoded words is dropped,
    white space anywhere else is kept. Stricter than Python's parser, as many mail programs are."""
    unfolded = re.sub(r"\r?\n(?=[ \t])", "", raw)
    text, previous_encoded, pending = [], False, ""
    for token in re.split(r"([ \t]+)", unfolded):
        if not token:
            continue
        if token.isspace():
            pending = token
            continue
        word = ENCODED_WORD.fullmatch(token)
        if word:
            charset, encoding, payload = word.groups()
            data = (base64.b64decode(payload) if encoding in "bB"
                    else quopri.decodestring(payload.replace("_", " ").encode(), header=True))
            text += [] if previous_encoded else [pending]
            text.append(data.decode(charset))
        else:
            text += [pending, token]
        previous_encoded, pending = bool(word), ""
    return "".join(text).strip()


def _mail(subject: str, body: str = "본문") -> OutgoingMail:
    return OutgoingMail(id=SUBJECTS.index(subject) if subject in SUBJECTS else 99, to="minji@areum.example",
                        subject=subject, body=body, language="ko")


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_korean_subject_keeps_its_spaces_in_every_mail_program(app, subject):
    raw = bytes(build_message(_mail(subject)))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject
    head = raw.split(b"\n\n", 1)[0].decode("ascii")
    folded = re.search(r"^Subject: (.*(?:\n[ \t].*)*)", head, re.MULTILINE).group(1)
    assert read_as_rfc_2047(folded) == subject
    assert all(len(line) <= 78 for line in head.splitlines())


def test_the_console_prints_the_text_and_links_in_clear(app, capsys):
    subject = SUBJECTS[1]
    body = "안녕하세요, 김민지 님.\n센터가 사건을 접수했습니다.\n\nhttp://ipdesk.test/cases/42\n"
    transport = ConsoleTransport()
    transport.open()
    transport.send(build_message(_mail(subject, body)))
    transport.close()
    printed = capsys.readouterr().out
    assert f"Subject: {subject}\n" in printed and "To: minji@areum.example\n" in printed
    assert body in printed and "http://ipdesk.test/cases/42" in printed
    assert "=?utf-8?" not in printed and "base64" not in printed


def test_a_korean_subject_arrives_whole_over_smtp(app, smtp_server):
    transport = SMTPTransport()
    transport.open()
    for subject in SUBJECTS:
        transport.send(build_message(_mail(subject)))
    transport.close()
    assert [m["Subject"] for m in smtp_server.messages()] == SUBJECTS
