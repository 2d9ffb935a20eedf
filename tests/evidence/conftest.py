"""Real files of every accepted type, and some that must be refused."""
import io

import pikepdf
import pytest
from PIL import Image


def image_bytes(fmt: str, size=(40, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 1).save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes(text: bytes = b"receipt", *, build=None, **save) -> bytes:
    """A real one-page PDF (qpdf writes it), changed by ``build(pdf)`` when given, saved with ``save``'s options."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(b"BT 72 720 Td (" + text + b") Tj ET")
    if build:
        build(pdf)
    out = io.BytesIO()
    pdf.save(out, **save)
    return out.getvalue()


SAMPLES = {
    "image/png": ("photo.png", lambda: image_bytes("PNG")),
    "image/jpeg": ("photo.jpg", lambda: image_bytes("JPEG")),
    "image/webp": ("photo.webp", lambda: image_bytes("WEBP")),
    "application/pdf": ("receipt.pdf", pdf_bytes),
    "text/plain": ("notes.txt", lambda: "증거: 위조품 판매 https://example.cn/x\n".encode()),
    "video/mp4": ("recording.mp4", lambda: b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
                  + b"\x00\x00\x00\x08free" + b"\x00" * 64),
    "video/webm": ("recording.webm", lambda: bytes.fromhex(
        "1A45DFA39F4286810142F7810142F2810442F381084282847765626D4287810442858102") + b"\x00" * 64),
    "audio/mpeg": ("song.mp3", lambda: b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes.fromhex("FFFB9064") + b"\x00" * 400),
    "audio/x-m4a": ("song.m4a", lambda: b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00"
                    + b"\x00\x00\x00\x08free" + b"\x00" * 64),
}


@pytest.fixture
def samples():
    return {kind: (name, make()) for kind, (name, make) in SAMPLES.items()}
