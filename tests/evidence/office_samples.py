"""Real office documents for the upload tests: DOCX and XLSX written by python-docx and openpyxl, PPTX and
HWPX as their applications lay them out, HWP as a Compound File (the OLE2 container Hancom's HWP 5 uses),
written here because no library writes one; and the same with macros, OLE objects or a password."""
import io
import struct
import zipfile

from docx import Document
from openpyxl import Workbook

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version 3 Compound File holding ``streams`` by path ("BodyText/Section0"); storages are made from
    the paths. Streams under 4,096 bytes live in the mini stream, as the format requires."""
    # the directory: the root, then each storage and stream, children chained through right siblings
    entries = [{"name": "Root Entry", "type": 5, "children": []}]
    index = {"": 0}
    for path in streams:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in index:
                index[key] = len(entries)
                is_stream = depth == len(parts)
                entries.append({"name": parts[depth - 1], "type": 2 if is_stream else 1, "children": [],
                                "data": streams[path] if is_stream else None})
                entries[index["/".join(parts[:depth - 1])]]["children"].append(index[key])
    mini_stream, minifat, big = b"", [], []
    for entry in entries[1:]:
        data = entry.get("data")
        if data is None:
            continue
        if len(data) < CUTOFF:
            entry["start"] = len(mini_stream) // MINI if data else END
            count = -(-len(data) // MINI)
            minifat += [len(minifat) + i + 1 for i in range(count - 1)] + ([END] if count else [])
            mini_stream += data.ljust(count * MINI, b"\0")
        else:
            big.append(entry)
    directory = b""
    n_dir = -(-len(entries) * 128 // SECTOR)
    n_minifat = -(-len(minifat) * 4 // SECTOR)
    n_mini_stream = -(-len(mini_stream) // SECTOR)
    n_big = sum(-(-len(e["data"]) // SECTOR) for e in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini_stream + n_big:
        n_fat += 1
    fat: list[int] = [FATSECT] * n_fat

    def chain(count: int) -> int:
        start = len(fat)
        fat.extend(start + i + 1 for i in range(count - 1))
        fat.append(END)
        return start

    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat) if n_minifat else END
    mini_start = chain(n_mini_stream) if n_mini_stream else END
    body = b""
    for entry in big:
        count = -(-len(entry["data"]) // SECTOR)
        entry["start"] = chain(count)
        body += entry["data"].ljust(count * SECTOR, b"\0")
    fat += [FREE] * (n_fat * (SECTOR // 4) - len(fat))
    entries[0].update(start=mini_start, data=mini_stream)
    for entry in entries:
        kids = entry["children"]
        entry["child"] = kids[0] if kids else NOSTREAM
        for position, kid in enumerate(kids):
            entries[kid]["right"] = kids[position + 1] if position + 1 < len(kids) else NOSTREAM
    for entry in entries:
        name = entry["name"].encode("utf-16-le") + b"\0\0"
        size = len(entry["data"]) if entry.get("data") is not None else 0
        directory += struct.pack("<64sHBBIII16sIQQIQ", name.ljust(64, b"\0"), len(name), entry["type"], 1,
                                 NOSTREAM, entry.get("right", NOSTREAM), entry["child"], b"\0" * 16, 0, 0, 0,
                                 entry.get("start", END) if size else (END if entry["type"] != 1 else 0), size)
    directory = directory.ljust(n_dir * SECTOR, b"\0")
    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, n_fat, dir_start, 0, CUTOFF, minifat_start, n_minifat, END, 0)
    header += struct.pack("<109I", *difat)
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat).ljust(n_minifat * SECTOR, b"\xff")
    return (header + struct.pack(f"<{len(fat)}I", *fat) + directory + minifat_bytes
            + mini_stream.ljust(n_mini_stream * SECTOR, b"\0") + body)


def hwp(*, script=False, ole_object=False, password=False) -> bytes:
    """An HWP 5 document: its file header, document info and one section of body text."""
    flags = 1 | (2 if password else 0) | (8 if script else 0)  # compressed, password, scripts saved
    header = b"HWP Document File".ljust(32, b"\0") + bytes([0, 3, 0, 5]) + struct.pack("<I", flags)
    streams = {"FileHeader": header.ljust(256, b"\0"), "DocInfo": b"\x10\x00" * 300,
               "BodyText/Section0": "위조품 판매 경위서".encode("utf-16-le") * 40,
               "PrvText": "위조품 판매 경위서".encode("utf-16-le")}
    if script:
        streams["Scripts/DefaultJScript"] = b"function OnDocument_New() { }" * 8
        streams["Scripts/JScriptVersion"] = b"\x01\x00\x00\x00" * 4
    if ole_object:
        streams["BinData/BIN0001.OLE"] = b"\x01\x05\x00\x00" * 32
    return compound_file(streams)


def legacy_word() -> bytes:
    """A Word 97-2003 document's container (its WordDocument stream)."""
    return compound_file({"WordDocument": b"\xec\xa5\xc1\x00" + b"\0" * 600, "1Table": b"\0" * 600})


def encrypted_office() -> bytes:
    """A password-protected DOCX, as Office saves it: the package encrypted inside a Compound File."""
    return compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 200, "EncryptedPackage": b"\x5a" * 5000})


def docx(text="위조품 판매 경위서") -> bytes:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["주문번호", "상품", "가격"])
    workbook.active.append(["2026-1122", "세럼", 35000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, add: dict[str, bytes], replace: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, (replace or {}).get(info.filename, source.read(info.filename)))
        for name, content in add.items():
            target.writestr(name, content)
    return buffer.getvalue()


def docm() -> bytes:
    """A DOCX carrying a VBA project (what Word saves as .docm), whatever its name says."""
    data = docx()
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
    types = types.replace("</Types>", '<Override PartName="/word/vbaProject.bin" '
                                      'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    return _rezip(data, {"word/vbaProject.bin": b"\xcc\x61" + b"\0" * 300},
                  {"[Content_Types].xml": types.encode()})


def docx_with_ole_object() -> bytes:
    return _rezip(docx(), {"word/embeddings/oleObject1.bin": compound_file({"\x01Ole10Native": b"\0" * 100})})


def pptx() -> bytes:
    """A one-slide presentation's package (content types, relationships, the presentation and its slide)."""
    p = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/ppt/'
        'presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.'
        'main+xml"/><Override PartName="/ppt/slides/slide1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.presentationml.slide+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
        f'org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
        f'Target="ppt/presentation.xml"/></Relationships>',
        "ppt/presentation.xml": f'<?xml version="1.0" encoding="UTF-8"?><p:presentation {p}'
        f' xmlns:r="{rel}"><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>',
        "ppt/_rels/presentation.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
        f'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="{rel}/slide" '
        f'Target="slides/slide1.xml"/></Relationships>',
        "ppt/slides/slide1.xml": f'<?xml version="1.0" encoding="UTF-8"?><p:sld {p}>'
        '<p:cSld><p:spTree/></p:cSld></p:sld>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return buffer.getvalue()


def hwpx(*, script=False) -> bytes:
    """An HWPX (OWPML) package: its mimetype first and stored, the manifest, the content list and a section."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip", compress_type=zipfile.ZIP_STORED)
        package.writestr("version.xml", '<?xml version="1.0" encoding="UTF-8"?><hv:HCFVersion '
                                        'xmlns:hv="http://www.hancom.co.kr/hwpml/2011/version" major="5"/>')
        package.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><odf:manifest '
                                                  'xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        package.writestr("Contents/content.hpf", '<?xml version="1.0" encoding="UTF-8"?><opf:package '
                                                 'xmlns:opf="http://www.idpf.org/2007/opf/"/>')
        package.writestr("Contents/section0.xml", '<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hs="http://'
                                                  'www.hancom.co.kr/hwpml/2011/section"><hp:p xmlns:hp="http://www.'
                                                  'hancom.co.kr/hwpml/2011/paragraph"><hp:run><hp:t>위조품 판매 경위서'
                                                  '</hp:t></hp:run></hp:p></hs:sec>')
        if script:
            package.writestr("Scripts/headerScripts", "var documentEvent = 1;")
            package.writestr("Scripts/sourceScripts", "function OnDocument_Open() { }")
    return buffer.getvalue()
