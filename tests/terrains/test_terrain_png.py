"""The dependency-free PNG writer/reader, cross-checked with Pillow when it is installed."""

from __future__ import annotations

import io
import os
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terrains._png import PNGError, decode_png, encode_png, read_png, write_png


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 17), cols=st.integers(1, 17),
       kind=st.sampled_from(["rgb8", "gray8", "gray16"]))
def test_round_trip(seed, rows, cols, kind):
    rng = np.random.default_rng(seed)
    if kind == "rgb8":
        img = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    elif kind == "gray8":
        img = rng.integers(0, 256, (rows, cols), dtype=np.uint8)
    else:
        img = rng.integers(0, 65536, (rows, cols), dtype=np.uint16)
    out = decode_png(encode_png(img))
    assert out.dtype == img.dtype and np.array_equal(out, img)


def test_pillow_reads_what_we_write_and_we_read_what_pillow_writes():
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (23, 31, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(rgb)))), rgb)
    g16 = rng.integers(0, 65536, (19, 21), dtype=np.uint16)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(g16)))).astype(np.uint16), g16)
    # Pillow picks its own filters (Sub, Average, Paeth, ...) on smooth images
    smooth = (np.add.outer(np.arange(40), np.arange(50)) * 2).astype(np.uint8)
    for mode, arr in (("L", smooth), ("RGB", np.dstack([smooth, smooth[::-1], smooth // 2]))):
        buf = io.BytesIO()
        Image.fromarray(arr, mode).save(buf, format="PNG", optimize=True)
        assert np.array_equal(decode_png(buf.getvalue()), arr)
    rgba = rng.integers(0, 256, (5, 6, 4), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    assert np.array_equal(decode_png(buf.getvalue()), rgba)


def test_all_five_filters_are_undone():
    # hand-filtered 1-channel rows: None, Sub, Up, Average, Paeth, against the PNG spec formulas
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (5, 9), dtype=np.uint8).astype(np.int32)
    raw = bytearray()
    for r in range(5):
        ftype = r
        raw.append(ftype)
        for c in range(9):
            a = img[r, c - 1] if c else 0
            b = img[r - 1, c] if r else 0
            cc = img[r - 1, c - 1] if r and c else 0
            if ftype == 0:
                pred = 0
            elif ftype == 1:
                pred = a
            elif ftype == 2:
                pred = b
            elif ftype == 3:
                pred = (a + b) // 2
            else:
                p = a + b - cc
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else cc)
            raw.append((img[r, c] - pred) % 256)
    good = encode_png(np.zeros((5, 9), np.uint8))
    # splice our IDAT into a valid file
    import struct

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    blob = good[:33] + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
    assert np.array_equal(decode_png(blob), img.astype(np.uint8))


@pytest.mark.parametrize("mutate, match", [
    (lambda b: b"GIF89a" + b[6:], "not a PNG file"),
    (lambda b: b[:40], "truncated PNG"),
    (lambda b: b[:20] + bytes([b[20] ^ 0xFF]) + b[21:], "CRC mismatch in IHDR"),
])
def test_corrupt_files_are_png_errors(mutate, match):
    blob = encode_png(np.zeros((8, 8), np.uint8))
    with pytest.raises(PNGError, match=match):
        decode_png(mutate(blob))


def test_writer_refuses_other_arrays():
    with pytest.raises(ValueError, match=r"image must be uint8 \(rows, cols, 3\).*got float64"):
        encode_png(np.zeros((4, 4)))


def test_write_png_is_atomic(tmp_path):
    path = tmp_path / "a.png"
    write_png(path, np.zeros((3, 3, 3), np.uint8))
    assert np.array_equal(read_png(path), np.zeros((3, 3, 3), np.uint8))
    with pytest.raises(ValueError):
        write_png(path, np.zeros((3, 3), np.float32))
    assert list(tmp_path.iterdir()) == [path]  # the bad write left the old file alone
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's private 0600
