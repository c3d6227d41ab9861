"""Make a smaller ICU data library for the Linux bundle (build.spec calls this).

PySide6's Linux wheels carry ICU's whole data set (``libicudata.so.73``, 32 MB), but Qt
calls only ICU's collation, time-zone, case-mapping and converter functions. The
display names of units, currencies, languages and regions, the word-break dictionaries,
transliterators and number spell-out rules are never read, and are half of the file.

This copies the data package out of the library (the ``icudt<N>_dat`` symbol), removes
those items with ICU's own ``icupkg``, and links the rest back into a library with the
same soname and symbol. Windows and macOS wheels use the system's ICU, so it is Linux
only. Without ``icupkg`` or a C compiler it says so and returns None: the build then
keeps the full library.

    python packaging/linux/trim_icu.py <libicudata.so.N> <work folder>
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

#: Item folders inside the data package that Qt never reads.
UNUSED = ("brkitr", "unit", "curr", "lang", "region", "translit", "rbnf")


def _data_symbol(library: Path) -> tuple[str, int, int]:
    """(symbol name, file offset, size) of the library's ``icudt<N>_dat`` array."""
    symbols = subprocess.run(
        ["readelf", "--dyn-syms", "-W", str(library)], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(
        r"([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\S+\s+(\d+)\s+(icudt\d+_dat)", symbols
    )
    if found is None:
        raise ValueError(f"{library.name}: no icudt*_dat symbol")
    address, size, section, name = found.groups()
    sections = subprocess.run(
        ["readelf", "-S", "-W", str(library)], capture_output=True, text=True, check=True
    ).stdout
    header = re.search(rf"\[\s*{section}\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", sections)
    if header is None:
        raise ValueError(f"{library.name}: no section {section}")
    section_address, section_offset = (int(v, 16) for v in header.groups())
    offset = section_offset + int(address, 16) - section_address
    return name, offset, int(size, 0)


def trim(library: Path, work: Path) -> Path | None:
    """Build the smaller library in ``work`` and return its path (None: tools missing)."""
    missing = [tool for tool in ("readelf", "icupkg", "cc") if shutil.which(tool) is None]
    if missing:
        print(f"trim_icu: {', '.join(missing)} not found; keeping the full ICU data")
        return None
    symbol, offset, size = _data_symbol(library)
    package = symbol.removesuffix("_dat")  # e.g. icudt73; items are named icudt73l/...
    work.mkdir(parents=True, exist_ok=True)
    source, trimmed = work / "in", work / "out"
    source.mkdir(exist_ok=True)
    trimmed.mkdir(exist_ok=True)
    data = source / f"{package}l.dat"
    with library.open("rb") as whole:
        whole.seek(offset)
        data.write_bytes(whole.read(size))
    items = subprocess.run(
        ["icupkg", "-l", str(data)], capture_output=True, text=True, check=True
    ).stdout.split()
    unused = [item for item in items if item.split("/", 1)[0] in UNUSED]
    drop_list = work / "unused.txt"
    drop_list.write_text("\n".join(unused) + "\n", encoding="utf-8")
    subprocess.run(
        ["icupkg", "-r", str(drop_list), str(data), str(trimmed / data.name)], check=True
    )
    assembly = work / "icudata.S"
    assembly.write_text(
        "\t.section .rodata\n"
        f"\t.globl {symbol}\n"
        f"\t.type {symbol}, @object\n"
        "\t.balign 16\n"
        f"{symbol}:\n"
        f'\t.incbin "{trimmed / data.name}"\n'
        f"\t.size {symbol}, .-{symbol}\n"
        '\t.section .note.GNU-stack,"",@progbits\n',
        encoding="utf-8",
    )
    output = work / library.name
    subprocess.run(
        [
            "cc",
            "-shared",
            "-nostdlib",
            f"-Wl,-soname,{library.name}",
            "-o",
            str(output),
            str(assembly),
        ],
        check=True,
    )
    before, after = library.stat().st_size / 1e6, output.stat().st_size / 1e6
    print(
        f"trim_icu: {library.name} {before:.1f} MB -> {after:.1f} MB ({len(unused)} items removed)"
    )
    return output


if __name__ == "__main__":
    result = trim(Path(sys.argv[1]), Path(sys.argv[2]))
    sys.exit(0 if result else 1)
