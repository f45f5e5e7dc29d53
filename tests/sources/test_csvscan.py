"""The parallel CSV field extractor: the values written, as Python's csv module and DuckDB's reader
read them, on every quoting case, block cuts anywhere (inside quoted line breaks too), and malformed files named
by line."""
from __future__ import annotations

import csv
import zipfile

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frenchtech.errors import InputError
from frenchtech.sources import csvscan


def test_the_extractor_is_built():
    """`pip install` compiles it; without it the audit falls back to DuckDB's slower reader."""
    assert csvscan.available()

HEADER = ["siren", "a", "commune", "b", "date"]
WANTED = ["date", "siren", "commune"]


def quote(value: str) -> str:
    """INSEE's quoting: only values holding a comma, a quote or a line break, quotes doubled."""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write(path, rows, header=HEADER, newline="\n"):
    lines = [",".join(quote(v) for v in row) for row in [header, *rows]]
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def scanned(path, names=WANTED, **kw) -> list[tuple]:
    table = csvscan.read_columns(path, HEADER, names, **kw).read_all()
    return list(zip(*(table.column(n).to_pylist() for n in table.column_names), strict=True))


def expected(rows, names=WANTED, header=HEADER) -> list[tuple]:
    idx = [header.index(n) for n in names]
    return [tuple(r[i] or None for i in idx) for r in rows]  # an empty field is null


field = st.lists(st.sampled_from(list('ab,"\n\r é') + ["12", "2A004", "€"]), max_size=6).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(field, min_size=5, max_size=5), max_size=40),
       block=st.integers(min_value=1, max_value=64), crlf=st.booleans())
def test_same_values_as_written(tmp_path, rows, block, crlf):
    """Any values (quotes, commas and line breaks inside), quoted as INSEE does, cut into blocks of
    any size, come back field for field; Python's csv module reads the same file alike."""
    rows = [r for r in rows if any(r)]  # a row of empty fields is written as a blank line
    path = write(tmp_path / "s.csv", rows, newline="\r\n" if crlf else "\n")
    assert scanned(path, block_bytes=block, threads=2) == expected(rows)
    with open(path, newline="", encoding="utf-8") as f:
        assert list(csv.reader(f))[1:] == rows


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), width=st.integers(min_value=1, max_value=70))
def test_any_width_and_any_wanted_columns(tmp_path, data, width):
    """Rows wider than the 64-byte windows the extractor reads, any subset of columns wanted, in
    any order: unwanted fields are stepped over in bulk, wanted ones come back exactly."""
    header = [f"c{i}" for i in range(width)]
    cell = st.sampled_from(["", "", "", "x", "2A004", "62.01Z", "2012-03-01", 'a,"b"', "é"])
    rows = data.draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=30))
    rows = [r for r in rows if any(r)]
    names = data.draw(st.lists(st.sampled_from(header), unique=True, min_size=1, max_size=width))
    path = write(tmp_path / "w.csv", rows, header=header)
    table = csvscan.read_columns(path, header, names, block_bytes=data.draw(st.integers(1, 300))).read_all()
    got = list(zip(*(table.column(n).to_pylist() for n in names), strict=True))
    assert got == expected(rows, names=names, header=header)


def test_duckdb_reads_the_same(tmp_path):
    rows = [["000000001", "x, y", "35238", 'say "hi"', "2012-03-01"],
            ["000000002", "", "2A004", "", ""],
            ["000000003", "line\nbreak", "01001", "é", "2013-12-31"]]
    path = write(tmp_path / "s.csv", rows)
    ours = scanned(path, names=HEADER, block_bytes=7)
    con = duckdb.connect()
    theirs = con.execute(f"SELECT * FROM read_csv('{path}', all_varchar=true, header=true, strict_mode=true)"
                         ).fetchall()
    assert ours == [tuple(r) for r in theirs]


def test_blank_lines_and_no_final_line_end(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"siren,a,commune,b,date\n\n1,,35238,,2012-01-01\n\n2,,29019,,\n")
    assert scanned(path) == [("2012-01-01", "1", "35238"), (None, "2", "29019")]
    path.write_bytes(b"siren,a,commune,b,date\n1,,35238,,2012-01-01")
    assert scanned(path) == [("2012-01-01", "1", "35238")]


def test_line_numbers_count_the_header_and_line_breaks_in_values(tmp_path):
    rows = [["1", "a", "35238", "b", "d1"], ["2", "two\nlines", "29019", "", "d2"], ["3", "", "01001", "", "d3"]]
    path = write(tmp_path / "s.csv", rows)
    header = HEADER
    t = csvscan.read_columns(path, header, ["siren"], with_lines=True, block_bytes=5).read_all()
    assert t.column("line").to_pylist() == [2, 3, 5]


@pytest.mark.parametrize("inflate", ["isal", "zlib"])
def test_zip_member_reads_the_same(tmp_path, monkeypatch, inflate):
    if inflate == "zlib":
        monkeypatch.setattr(csvscan, "isal_zlib", None)
    elif csvscan.isal_zlib is None:
        pytest.skip("isal is not installed")
    rows = [[str(i), "q\"uote" if i % 7 == 0 else "", f"{35000 + i % 300:05d}", "x", "2012-01-01"]
            for i in range(3000)]
    path = write(tmp_path / "s.csv", rows)
    with zipfile.ZipFile(tmp_path / "s.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, "StockEtablissement_utf8.csv")
    assert scanned(tmp_path / "s.zip", block_bytes=1000) == scanned(path, block_bytes=1000) == expected(rows)


@pytest.mark.parametrize("inflate", ["isal", "zlib"])
def test_a_damaged_zip_is_named(tmp_path, monkeypatch, inflate):
    if inflate == "zlib":
        monkeypatch.setattr(csvscan, "isal_zlib", None)
    path = write(tmp_path / "s.csv", [[str(i), "", f"{35000 + i % 97:05d}", "", "2012-01-01"] for i in range(20000)])
    with zipfile.ZipFile(tmp_path / "s.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, "StockEtablissement_utf8.csv")
    data = bytearray((tmp_path / "s.zip").read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte of the compressed text damaged
    (tmp_path / "s.zip").write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        scanned(tmp_path / "s.zip")
    assert "damaged" in str(info.value) and str(tmp_path / "s.zip") in str(info.value)


@pytest.mark.parametrize("text, line, what", [
    (b"1,2,3,4,5\n1,2,3,4\n", 3, "4 fields where the header has 5"),
    (b"1,2,3,4,5\n1,2,3,4,5,6\n", 3, "6 fields"),
    (b"1,2,3,4,5\n1,\"2,3,4,5\n", 3, "never closed"),
    (b"1,2,3,4,5\n1,2\"x\",3,4,5\n", 3, "malformed quoting"),
    (b"1,2,3,4,5\n1,\"2\"x,3,4,5\n", 3, "malformed quoting"),
    (b"1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3", 5, "3 fields"),
])
def test_malformed_rows_name_the_line(tmp_path, text, line, what):
    path = tmp_path / "s.csv"
    path.write_bytes(b"siren,a,commune,b,date\n" + text)
    for block in (3, 1 << 20):
        with pytest.raises(InputError) as info:
            scanned(path, block_bytes=block)
        assert f"line {line}" in str(info.value) and what in str(info.value) and str(path) in str(info.value)


def test_a_quote_never_closed_does_not_read_the_whole_file(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"siren,a,commune,b,date\n1,\"open,3,4,5\n" + b"1,2,3,4,5\n" * 400_000)
    with pytest.raises(InputError) as info:
        scanned(path, block_bytes=1000)
    assert "line 2" in str(info.value) and "never closed" in str(info.value)


def test_latin1_value_is_named(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"siren,a,commune,b,date\n1,,35238,,2012\n2,,Br\xe9st,,2012\n")
    with pytest.raises(InputError) as info:
        scanned(path)
    assert "UTF-8" in str(info.value) and "line 3" in str(info.value) and "commune" in str(info.value)
