"""io.atomic: a failed write leaves the old file and no temporary file behind."""

import pytest

from seisview.io.atomic import atomic_open, atomic_path, atomic_write_bytes, atomic_write_text


def test_text_and_bytes_replace_the_file(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_text(p, "one\r\ntwo\n")
    assert p.read_bytes() == b"one\r\ntwo\n"  # written as given, no newline translation
    atomic_write_bytes(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert [q.name for q in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("use_path", [False, True])
def test_failure_keeps_old_file_and_cleans_up(tmp_path, use_path):
    p = tmp_path / "b.bin"
    p.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        if use_path:
            with atomic_path(p) as tmp:
                tmp.write_bytes(b"half")
                raise RuntimeError("disk full")
        else:
            with atomic_open(p) as f:
                f.write(b"half")
                raise RuntimeError("disk full")
    assert p.read_bytes() == b"old"
    assert [q.name for q in tmp_path.iterdir()] == ["b.bin"]
