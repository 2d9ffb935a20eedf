"""What a PDF holds that acts on its own, found by parsing it (qpdf, through pikepdf) and walking every object.

Run as a script (``python pdf_walk.py < file.pdf``) in a child process of its own, with a cap on its memory and
time, so a PDF built to unpack to gigabytes or to keep the parser busy costs that child, never the web worker; it
prints one line of JSON, ``{"found": kind}`` or ``{"found": null}``. It imports nothing of ipdesk (the child
starts fast), only pikepdf.

qpdf reads names as a viewer does (``/J#61vaScript`` is ``/JavaScript``), unpacks compressed object streams, and
rebuilds a damaged cross-reference table, so what is walked here is what a viewer would act on, whatever the
encoding. Every object of the file is looked at, reachable from the catalog or not: the catalog's JavaScript
and EmbeddedFiles name trees, the AcroForm's XFA, OpenAction, every page's and field's /AA, every annotation's /A
and /AA, and any action anywhere (an action's /Next chain included).
"""
import json
import resource
import sys

import pikepdf

# kinds of finding, the words for which the app chooses in the reader's language
SCRIPT, ACTION, ATTACHMENT, XFA, MEDIA = "script", "action", "attachment", "xfa", "media"
DAMAGED, PASSWORD, TOO_COMPLEX = "damaged", "password", "too complex"

# actions that run a script, start a program, open another file or send data elsewhere
SCRIPT_ACTIONS = frozenset({"JavaScript", "ECMAScript"})
OUTWARD_ACTIONS = frozenset({"Launch", "GoToR", "GoToE", "SubmitForm", "ImportData", "RichMediaExecute"})
SCRIPT_KEYS = frozenset({"/JS", "/JavaScript"})
ATTACHMENT_KEYS = frozenset({"/EmbeddedFiles", "/EF", "/RichMediaContent"})
MEDIA_SUBTYPES = frozenset({"RichMedia", "3D", "Movie", "Screen"})
URI_SCHEMES_REFUSED = ("javascript:", "vbscript:", "data:", "file:")

MEMORY_CAP = 1 << 30  # the child's address space: a legitimate PDF's objects are a few MB
STREAM_CAP = 256 << 20  # one decoded object stream at most (qpdf's own limit, checked below)
CPU_SECONDS = 20  # a PDF of a hundred thousand objects takes a few seconds


OBJECT = pikepdf.Object  # containers, names and strings; numbers and booleans come as Python's own
DICTIONARY, ARRAY, STREAM = pikepdf.ObjectType.dictionary, pikepdf.ObjectType.array, pikepdf.ObjectType.stream
CONTAINERS = frozenset({DICTIONARY, ARRAY, STREAM})
WORDS = frozenset({pikepdf.ObjectType.name_, pikepdf.ObjectType.string})


def _name(value) -> str:
    """A name's or string's text without the slash ("/JavaScript" -> "JavaScript"); "" for anything else."""
    if type(value) is OBJECT and value._type_code in WORDS:
        return str(value).lstrip("/")
    return ""


def _in_dictionary(keys, get) -> str | None:
    """What one dictionary (or a stream's dictionary) is, if it acts: by its keys and its /S, /Type, /Subtype."""
    if keys & SCRIPT_KEYS:
        return SCRIPT
    if "/XFA" in keys:
        return XFA
    if keys & ATTACHMENT_KEYS:
        return ATTACHMENT
    action = _name(get("/S")) if "/S" in keys else ""
    if action in SCRIPT_ACTIONS:
        return SCRIPT
    if action in OUTWARD_ACTIONS:
        return ACTION
    if action == "URI" and _name(get("/URI")).strip().lower().startswith(URI_SCHEMES_REFUSED):
        return ACTION
    kind = _name(get("/Type")) if "/Type" in keys else ""
    subtype = _name(get("/Subtype")) if "/Subtype" in keys else ""
    if kind == "EmbeddedFile" or subtype == "FileAttachment":
        return ATTACHMENT
    if subtype in MEDIA_SUBTYPES:
        return MEDIA
    return None


def active_content(pdf: pikepdf.Pdf) -> str | None:
    """The first kind of active content found in ``pdf``, or None.

    Every indirect object of the file is walked (each is an entry of ``pdf.objects``, whether or not anything
    reaches it), with the direct objects nested in it; a reference is not followed, its object being an entry
    of its own.
    """
    stack = [pdf.trailer, *(obj for obj in pdf.objects if type(obj) is OBJECT and obj._type_code in CONTAINERS)]
    while stack:
        obj = stack.pop()
        code = obj._type_code
        if code == ARRAY:
            children = list(obj)
        else:
            if code == STREAM:
                if _name(obj.stream_dict.get("/Type")) == "ObjStm":
                    obj.read_bytes()  # an object stream qpdf could not unpack hides objects a viewer may read
                obj = obj.stream_dict
            keys = set(obj.keys())
            found = _in_dictionary(keys, obj.get)
            if found:
                return found
            children = [obj.get(key) for key in keys]
        stack.extend(child for child in children
                     if type(child) is OBJECT and child._type_code in CONTAINERS and not child.is_indirect)
    return None


def check(stream) -> str | None:
    """The finding for the PDF in ``stream`` (a seekable binary file): a kind of active content, DAMAGED,
    PASSWORD, TOO_COMPLEX, or None for a PDF that holds nothing active."""
    pikepdf.settings.set_qpdf_limits(flate_max_memory=STREAM_CAP)
    try:
        with pikepdf.Pdf.open(stream) as pdf:
            found = active_content(pdf)
    except pikepdf.PasswordError:
        return PASSWORD
    except pikepdf.DataDecodingError as error:  # qpdf does not count its decoders' limits among its limit errors
        found = TOO_COMPLEX if "memory limit" in str(error) else DAMAGED
    except (pikepdf.PdfError, ValueError, RecursionError):
        found = DAMAGED
    return TOO_COMPLEX if pikepdf.settings.qpdf_limit_errors() else found


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    try:
        found = check(sys.stdin.buffer)
    except MemoryError:
        found = TOO_COMPLEX
    print(json.dumps({"found": found}), flush=True)


if __name__ == "__main__":
    main()
