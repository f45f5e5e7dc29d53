"""Read a few columns of a large INSEE CSV file as a stream of Arrow batches, on every core.

The file is cut into blocks at line ends; each block is split into fields by the compiled extractor
(``_csvscan``) on a worker thread, without the interpreter lock, and the batches come out in file
order. Only the wanted columns are copied out, as text; typing and checks are the query engine's.
This is what makes a 40-million-row register readable in seconds straight from its CSV: general
CSV readers materialise or tokenise every column, this one counts the commas of unwanted ones.

A line end inside a quoted value may fall where a block was cut: the extractor then reports the
value still open at the end of the block, and the block is parsed again joined with the next.

Given a ``digest`` (frenchtech.hashing.InPassDigest), the reader also feeds it every byte of the
file in order as it reads them (for a zip, the zip file's own bytes): the register is read once for
both its figures and its digest.
"""
from __future__ import annotations

import functools
import io
import mmap
import os
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from frenchtech.errors import InputError

try:
    from frenchtech.sources import _csvscan
except ImportError:  # built without a C compiler: callers fall back to the engine's own reader
    _csvscan = None
try:
    from isal import isal_zlib
except ImportError:  # zlib then inflates zipped registers, more slowly
    isal_zlib = None

BLOCK_BYTES = 16 << 20
MALFORMED = {
    1: "malformed CSV row: {detail} fields where the header has {ncols}",
    2: "a quoted value is never closed",
    3: "malformed quoting: a quote inside an unquoted value, or text after a closing quote",
}


def available() -> bool:
    return _csvscan is not None


def csv_member(zf: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    """The CSV file inside a register's zip (INSEE's zips hold one)."""
    for info in zf.infolist():
        if info.filename.lower().endswith(".csv"):
            return info
    raise InputError(path, "the archive holds no CSV file", expected="a zipped StockEtablissement CSV")


BROKEN_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, ValueError) + ((isal_zlib.error,) if isal_zlib is not None else ())


def damaged(path: Path, exc: BaseException | None = None) -> InputError:
    """The error for a zip that cannot be read to its end (cut download, corrupt bytes, not a zip)."""
    detail = f" ({exc})" if exc is not None and str(exc) else ""
    return InputError(path, f"the archive is damaged{detail}", expected="a complete zip file; download it again")


def open_zip(path: Path) -> zipfile.ZipFile:
    """The register's zip, or an InputError when it is not a readable zip."""
    try:
        return zipfile.ZipFile(path)
    except (*BROKEN_ZIP, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise damaged(path, exc) from None


class _Member(io.RawIOBase):
    """The CSV member of a zip as a stream whose read errors are InputErrors naming the file (and
    kept in ``errors``, for a reader that a query engine wraps)."""

    def __init__(self, path: Path, errors: list | None):
        self.path, self.errors = path, errors
        self.zf = open_zip(path)
        try:
            self.member = self.zf.open(csv_member(self.zf, path))
        except BROKEN_ZIP as exc:
            self.zf.close()
            raise damaged(path, exc) from None

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        try:
            data = self.member.read(len(b))
        except BROKEN_ZIP as exc:
            err = damaged(self.path, exc)
            if self.errors is not None:
                self.errors.append(err)
            raise err from None
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.member.close()
            self.zf.close()
        super().close()


def open_text(path: Path, errors: list | None = None):
    """A binary stream of the CSV text: the file, or the CSV member of a zip (a damaged archive
    raises InputError, when opened or when read)."""
    if path.suffix == ".zip":
        return io.BufferedReader(_Member(path, errors), buffer_size=1 << 20)
    return open(path, "rb")


def _blocks(path: Path, block_bytes: int, digest=None
            ) -> Iterator[tuple[memoryview | bytes, Callable[[], None] | None]]:
    """The data lines of the file (header skipped) in blocks that end at a line end, each with what
    to call once it is parsed (or None). The whole file goes to ``digest``, if given."""
    if path.suffix != ".zip":
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                if digest is not None:
                    digest.complete()
                return
            # A plain file is mapped, not read: blocks are views, and the workers touch each byte once.
            # The map is left to close with its last view (a worker may still be reading one).
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            mm.madvise(mmap.MADV_SEQUENTIAL)
            view = memoryview(mm)
            pos = mm.find(b"\n") + 1 or len(mm)
            if digest is not None:
                digest.feed(view[:pos])
            while pos < len(mm):
                cut = mm.find(b"\n", min(pos + block_bytes, len(mm)) - 1)
                cut = len(mm) if cut < 0 else cut + 1
                release = functools.partial(_unmap_before, mm, cut)
                if digest is not None:  # the pages are dropped once both the parse and the digest read them
                    release = functools.partial(_after, digest.feed(view[pos:cut]), release)
                yield view[pos:cut], release
                pos = cut
            if digest is not None:
                digest.complete()
            return
    # A zip member is a stream: inflate on, and carry the last partial line to the next block.
    buf, in_header = bytearray(), True
    for chunk in _inflated(path, digest=digest):
        buf += chunk
        if in_header:
            end = buf.find(b"\n")
            if end < 0:
                continue
            del buf[:end + 1]
            in_header = False
        if len(buf) >= block_bytes:
            cut = buf.rfind(b"\n") + 1
            if cut:
                yield bytes(buf[:cut]), None
                del buf[:cut]
    if buf and not in_header:
        yield bytes(buf), None


def _inflated(path: Path, chunk_bytes: int = 4 << 20, digest=None) -> Iterator[bytes]:
    """The CSV member of a zip, decompressed, in chunks; a damaged archive is an InputError."""
    try:
        yield from _inflate(path, chunk_bytes, digest)
    except BROKEN_ZIP as exc:
        raise damaged(path, exc) from None


def _inflate(path: Path, chunk_bytes: int, digest=None) -> Iterator[bytes]:
    """A deflated member (INSEE's zips) is inflated with ISA-L when installed, about twice as fast as
    zlib on one core, and its CRC-32 is checked; otherwise zipfile reads it (and ``digest`` is not
    fed: the caller hashes the file itself).

    With ISA-L the zip file is read from its first byte to its last, in order, and each piece read
    goes to ``digest``: the headers before the member, its compressed data, the directory after."""
    with open_zip(path) as zf:
        info = csv_member(zf, path)
        if isal_zlib is None or info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
            with zf.open(info) as f:
                yield from iter(lambda: f.read(chunk_bytes), b"")
            return
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)  # the local header: its name and extra field lengths place the data
        if local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("no local header for the CSV member")
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        if digest is not None:
            f.seek(0)
            digest.feed(f.read(start))
        f.seek(start)
        inflate, crc, left = isal_zlib.decompressobj(-15), 0, info.compress_size
        while left:
            data = f.read(min(chunk_bytes, left))
            if not data:
                break
            left -= len(data)
            if digest is not None:
                digest.feed(data)
            out = inflate.decompress(data)
            crc = isal_zlib.crc32(out, crc)
            yield out
        out = inflate.flush()
        crc = isal_zlib.crc32(out, crc)
        if out:
            yield out
        if digest is not None and not left:
            for data in iter(lambda: f.read(chunk_bytes), b""):  # the central directory, and anything after
                digest.feed(data)
            digest.complete()
    if left or not inflate.eof or crc != info.CRC:
        raise zipfile.BadZipFile("its CSV does not match its CRC-32 checksum")


def _after(future, release: Callable[[], None]) -> None:
    future.result()
    release()


def _unmap_before(mm: mmap.mmap, offset: int) -> None:
    """Drop the parsed pages from the process: they stay in the system's file cache, but the
    process's resident memory stays a few blocks, not the file's size."""
    end = offset - offset % mmap.PAGESIZE
    if end > 0:
        mm.madvise(mmap.MADV_DONTNEED, 0, end)


def read_columns(path, header: list[str], names: list[str], *, with_lines: bool = False,
                 threads: int | None = None, block_bytes: int = BLOCK_BYTES,
                 errors: list | None = None, digest=None) -> pa.RecordBatchReader:
    """A stream of Arrow batches holding ``names`` (columns of ``header``) as text, in file order.

    ``with_lines`` adds ``line``, each record's line number in the file (the header is line 1).
    Malformed rows raise InputError naming the file and line, when the stream reaches them; the
    error is also appended to ``errors`` (a query engine reading the stream re-words what it raises).
    ``digest`` (frenchtech.hashing.InPassDigest) is fed the file's bytes as they are read.
    """
    if _csvscan is None:
        raise RuntimeError("the compiled CSV extractor is not built")
    path = Path(path)
    wanted = tuple(header.index(n) for n in names)
    schema = pa.schema([(n, pa.string()) for n in names] + ([("line", pa.int64())] if with_lines else []))
    threads = threads or len(os.sched_getaffinity(0)) or 1
    batches = _batches(path, len(header), wanted, names, schema, with_lines, threads, block_bytes, digest)
    return pa.RecordBatchReader.from_batches(schema, _kept(batches, errors))


def _kept(batches, errors: list | None):
    """``batches``, with an InputError they raise also kept in ``errors``."""
    try:
        yield from batches
    except InputError as exc:
        if errors is not None:
            errors.append(exc)
        raise


def _batches(path, ncols, wanted, names, schema, with_lines, threads, block_bytes, digest=None):
    blocks = _blocks(path, block_bytes, digest)
    pending: deque = deque()

    def scan(block):
        return _csvscan.scan(block, ncols, wanted, with_lines)

    def submit() -> None:
        item = next(blocks, None)
        if item is not None:
            pending.append((*item, pool.submit(scan, item[0])))

    join_limit = max(4 * block_bytes, 1 << 20)
    line = 2  # the first data line (the header is line 1)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="csvscan")
    block = None
    try:
        for _ in range(2 * threads):  # bounded read-ahead: memory stays a few blocks
            submit()
        while pending:
            block, release, future = pending.popleft()
            result = future.result()
            while result[-1] is not None and result[-1][0] == 2 and len(block) < join_limit:
                # cut inside a quoted value: join the next block (its own parse started mid-value);
                # up to a limit, so that a quote never closed does not pull the whole file in
                if not pending:
                    submit()
                if not pending:
                    break
                nxt, release, _ = pending.popleft()
                block = bytes(block) + bytes(nxt)
                result = scan(block)
            rows, lines, columns, ascii, line_of_row, error = result
            if error is not None:
                kind, at, detail = error
                if _cut_last_row(block, kind, detail, ncols, wanted):
                    said = MALFORMED[kind].format(detail=detail, ncols=ncols).removeprefix("malformed CSV row: ")
                    raise InputError(path, f"the file ends inside a row (it is truncated): {said}", line=line + at,
                                     expected="complete rows as in the header, each ending with a line end; "
                                              "download the file again")
                raise InputError(path, MALFORMED[kind].format(detail=detail, ncols=ncols), line=line + at,
                                 expected=f"{ncols} comma-separated fields as in the header, quotes doubled "
                                          "inside quoted values; the file may be truncated")
            arrays = [pa.StringArray.from_buffers(rows, pa.py_buffer(o), pa.py_buffer(d), pa.py_buffer(v), n)
                      for o, d, v, n in columns]
            if not ascii:
                _check_utf8(path, arrays, names, block, ncols, wanted, line)
            if with_lines:
                arrays.append(pc.add(pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(line_of_row)]),
                                     line))
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
            line += lines
            block = None
            if release is not None:
                release()
            submit()
    finally:
        # workers may still hold views of the mapped file: let them finish before it is unmapped
        for *_, future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        pending.clear()
        block = None
        blocks.close()


def _cut_last_row(block, kind: int, detail: int, ncols: int, wanted) -> bool:
    """Whether a parse error is the file's last row cut short: only the last block of a file can end
    without a line end, and the rows before its last line end parse."""
    if not len(block) or bytes(block[-1:]) == b"\n" or not (kind == 2 or (kind == 1 and detail < ncols)):
        return False
    head = bytes(block[:bytes(block).rfind(b"\n") + 1])
    return kind == 2 or _csvscan.scan(head, ncols, wanted, False)[-1] is None


def _check_utf8(path, arrays, names, block, ncols, wanted, first_line) -> None:
    """Arrow string columns must hold UTF-8; a Latin-1 file shows up here (rare path)."""
    for name, array in zip(names, arrays, strict=True):
        try:
            array.validate(full=True)
        except pa.ArrowInvalid:
            _, _, _, _, line_of_row, _ = _csvscan.scan(block, ncols, wanted, True)
            rows = memoryview(line_of_row).cast("q")
            for i, value in enumerate(array.cast(pa.binary()).to_pylist()):
                try:
                    (value or b"").decode("utf-8")
                except UnicodeDecodeError:
                    raise InputError(path, "the file is not valid UTF-8 text", line=first_line + rows[i],
                                     column=name, expected="INSEE's UTF-8 stock file (StockEtablissement_utf8)"
                                     ) from None
