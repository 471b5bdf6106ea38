"""The WordPress plugin as a zip, built from the source in wordpress/ with our address filled in.

The bytes depend only on the source and the address (fixed dates, order and permissions), so the
same leadgen serves the same zip, and its ETag holds across restarts and app servers.
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import zipfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE = Path(__file__).resolve().parent / "wordpress"
FOLDER = "leadgen"  # the plugin's folder in wp-content/plugins, and its text domain
MAIN = "leadgen.php"
# The line in the main file that the served copy fills in with our address.
DEFAULT_LINE = "define( 'LEADGEN_DEFAULT_ADDRESS', 'https://leadgen.example.nl' );"
# Every entry gets this date: a zip stores one, and a changing one would change the bytes.
DATE = (2026, 1, 1, 0, 0, 0)
MODE = 0o644


def php_string(value: str) -> str:
    """`value` as a single-quoted PHP string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def source_files() -> list[Path]:
    """The plugin's source files, in a fixed order."""
    return sorted(path for path in SOURCE.rglob("*") if path.is_file())


def _main_file(address: str) -> bytes:
    text = (SOURCE / MAIN).read_text(encoding="utf-8")
    if text.count(DEFAULT_LINE) != 1:
        raise RuntimeError(f"{MAIN} must define LEADGEN_DEFAULT_ADDRESS exactly once")
    line = f"define( 'LEADGEN_DEFAULT_ADDRESS', {php_string(address)} );"
    return text.replace(DEFAULT_LINE, line).encode("utf-8")


def _compiled(po: Path) -> bytes:
    """The .mo file of `po`, in the layout WordPress's own reader accepts.

    Babel writes an empty hash table at offset 0. WordPress (wp-includes/pomo/mo.php) measures
    the translations' index as "hash table offset minus index offset" and rejects the file when
    that is not 8 bytes per message, so the offset must point just past the index tables. With
    a size of 0 that is as valid for GNU gettext as offset 0.
    """
    with po.open("rb") as source:
        catalog = read_po(source)
    out = io.BytesIO()
    write_mo(out, catalog)
    data = bytearray(out.getvalue())
    magic, revision, count, originals, translations, hash_size, _ = struct.unpack_from("<7I", data)
    if (magic, revision, hash_size) != (0x950412DE, 0, 0) or translations != originals + count * 8:
        raise RuntimeError(f"unexpected .mo layout from Babel for {po.name}")
    struct.pack_into("<I", data, 24, translations + count * 8)
    return bytes(data)


def entries(address: str) -> list[tuple[str, bytes]]:
    """(name in the zip, content) for each file of the plugin served from `address`."""
    found: list[tuple[str, bytes]] = []
    for path in source_files():
        name = f"{FOLDER}/{path.relative_to(SOURCE).as_posix()}"
        if path.name == MAIN and path.parent == SOURCE:
            found.append((name, _main_file(address)))
            continue
        found.append((name, path.read_bytes()))
        if path.suffix == ".po":  # WordPress reads the compiled catalog beside it
            found.append((name[: -len(".po")] + ".mo", _compiled(path)))
    return sorted(found)


@functools.lru_cache(maxsize=4)
def build(address: str) -> tuple[bytes, str]:
    """The zip for `address` (no trailing slash) and its ETag."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries(address):
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.create_system = 3  # Unix, so the permissions below mean what they say
            info.external_attr = (0o100000 | MODE) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=9)
    data = out.getvalue()
    return data, hashlib.sha256(data).hexdigest()[:32]
