"""Move the personal cover in front of the shared body (a PDF incremental update)."""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)


def assemble(cover_pdf: bytes, body_path: Path) -> bytes:
    """Put the cover in front of the body and keep the body's outline, links, tags and metadata.

    This is a PDF incremental update written by hand: the body's bytes stay as they are, and
    after them come the cover's objects (renumbered), a new page tree that starts with the
    cover, the catalog with page labels, and a cross-reference stream pointing back at the
    body's. Links and bookmarks point at page objects, not page numbers, so they survive the
    extra page in front. (pypdf's own incremental writer loads every object first: ~0.3 s.)
    """
    stat = body_path.stat()
    body, trailer, root_ref, root, pages_ref, pages = _parsed_body(
        body_path, stat.st_mtime_ns, stat.st_size
    )
    next_number = int(trailer["/Size"])
    prev_xref = int(body[body.rindex(b"startxref") + 9 :].split()[0])

    cover_page = PdfReader(BytesIO(cover_pdf)).pages[0]
    renumber: dict[int, int] = {}
    queue: list[PdfObject] = []

    def remap(obj: PdfObject) -> PdfObject:
        nonlocal next_number
        if isinstance(obj, IndirectObject):
            if obj.idnum not in renumber:
                renumber[obj.idnum] = next_number
                next_number += 1
                queue.append(obj)
            return IndirectObject(renumber[obj.idnum], 0, None)  # type: ignore[arg-type]
        if isinstance(obj, StreamObject):
            copy = EncodedStreamObject() if isinstance(obj, EncodedStreamObject) else StreamObject()
            copy._data = obj._data
            copy.update({key: remap(value) for key, value in obj.items()})
            return copy
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({key: remap(value) for key, value in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject(remap(value) for value in obj)
        return obj

    page = DictionaryObject(
        {
            key: value
            for key, value in cover_page.items()
            if key not in ("/Parent", "/StructParents", "/Annots")
        }
    )
    # Untagged cover content is marked as an artifact, so the body's tags stay consistent.
    contents = page["/Contents"]
    artifact_start, artifact_end = StreamObject(), StreamObject()
    artifact_start._data, artifact_end._data = b"/Artifact BMC\n", b"\nEMC\n"
    page_number = next_number
    next_number += 1
    new_objects: list[tuple[int, PdfObject]] = []
    page_body = remap(page)
    start_number = next_number
    new_objects += [(start_number, artifact_start), (start_number + 1, artifact_end)]
    next_number += 2
    page_body[NameObject("/Contents")] = ArrayObject(
        [
            IndirectObject(start_number, 0, None),  # type: ignore[arg-type]
            *(remap(contents) if isinstance(contents, ArrayObject) else [remap(contents)]),
            IndirectObject(start_number + 1, 0, None),  # type: ignore[arg-type]
        ]
    )
    page_body[NameObject("/Parent")] = pages_ref
    new_objects.append((page_number, page_body))
    while queue:
        ref = queue.pop(0)
        new_objects.append((renumber[ref.idnum], remap(ref.get_object())))

    new_pages = DictionaryObject(pages)
    new_pages[NameObject("/Kids")] = ArrayObject(
        [IndirectObject(page_number, 0, None), *pages["/Kids"]]  # type: ignore[arg-type]
    )
    new_pages[NameObject("/Count")] = NumberObject(int(pages["/Count"]) + 1)
    new_root = DictionaryObject(root)
    new_root[NameObject("/PageLabels")] = _page_labels()
    new_objects += [(pages_ref.idnum, new_pages), (root_ref.idnum, new_root)]

    out = BytesIO()
    out.write(body if body.endswith(b"\n") else body + b"\n")
    offsets: dict[int, int] = {}
    for number, obj in new_objects:
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(out)
        out.write(b"\nendobj\n")
    xref_number = next_number
    offsets[xref_number] = out.tell()
    numbers = sorted(offsets)
    index: list[int] = []
    for number in numbers:
        if index and index[-2] + index[-1] == number:
            index[-1] += 1
        else:
            index += [number, 1]
    xref = StreamObject()
    xref._data = b"".join(b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in numbers)
    xref.update(
        {
            NameObject("/Type"): NameObject("/XRef"),
            NameObject("/Size"): NumberObject(xref_number + 1),
            NameObject("/Index"): ArrayObject(NumberObject(n) for n in index),
            NameObject("/W"): ArrayObject([NumberObject(1), NumberObject(4), NumberObject(2)]),
            NameObject("/Root"): root_ref,
            NameObject("/Prev"): NumberObject(prev_xref),
        }
    )
    for key in ("/Info", "/ID"):
        if key in trailer:
            xref[NameObject(key)] = trailer.raw_get(key)
    out.write(f"{xref_number} 0 obj\n".encode())
    xref.write_to_stream(out)
    out.write(f"\nendobj\nstartxref\n{offsets[xref_number]}\n%%EOF\n".encode())
    return out.getvalue()


@lru_cache(maxsize=4)
def _parsed_body(path: Path, mtime_ns: int, size: int) -> tuple:
    """Read the body's bytes, trailer, catalog and page tree once per file version."""
    body = path.read_bytes()
    reader = PdfReader(BytesIO(body))
    trailer = reader.trailer
    root_ref = trailer.raw_get("/Root")
    root = root_ref.get_object()
    pages_ref = root.raw_get("/Pages")
    pages = pages_ref.get_object()
    pages["/Kids"]  # resolve now, while the reader is at hand
    return body, trailer, root_ref, root, pages_ref, pages


def _page_labels() -> DictionaryObject:
    """Make viewers show the printed page numbers: the cover is "Omslag", then 1, 2, 3…"""
    return DictionaryObject(
        {
            NameObject("/Nums"): ArrayObject(
                [
                    NumberObject(0),
                    DictionaryObject({NameObject("/P"): TextStringObject("Omslag")}),
                    NumberObject(1),
                    DictionaryObject({NameObject("/S"): NameObject("/D")}),
                ]
            )
        }
    )
