"""A tiny, dependency-free PNG writer and reader (zlib + struct), for terrain images.

Writes 8-bit RGB and 8- or 16-bit grayscale; reads non-interlaced grayscale (8/16 bit, with or
without alpha) and RGB/RGBA (8/16 bit). Arrays are in image order: row 0 is the top of the
picture (north, for terrain images), unlike the terrain grids.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from numba import njit

from terrains.files import atomic_write

__all__ = ["encode_png", "decode_png", "write_png", "read_png", "PNGError"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# colour type -> channels
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


class PNGError(ValueError):
    """The bytes are not a PNG this reader understands; the message says why."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png(image: np.ndarray, *, compress_level: int = 6) -> bytes:
    """Encode an image as PNG bytes.

    Parameters
    ----------
    image : ndarray
        uint8 (rows, cols, 3) RGB, uint8 (rows, cols) grayscale or uint16 (rows, cols)
        grayscale; row 0 is the top of the picture.
    compress_level : int
        zlib level 0-9.

    Returns
    -------
    bytes
        The PNG file contents. Every row uses the "Up" filter, which is vectorised here and
        compresses smooth terrain well.
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8:
        colour, depth, channels = 2, 8, 3
    elif img.ndim == 2 and img.dtype == np.uint8:
        colour, depth, channels = 0, 8, 1
    elif img.ndim == 2 and img.dtype == np.uint16:
        colour, depth, channels = 0, 16, 1
    else:
        raise ValueError("image must be uint8 (rows, cols, 3), uint8 (rows, cols) or uint16 "
                         f"(rows, cols), got {img.dtype} {img.shape}")
    rows, cols = img.shape[:2]
    if rows < 1 or cols < 1:
        raise ValueError(f"image must not be empty, got shape {img.shape}")
    raw = np.ascontiguousarray(img)
    if depth == 16:
        raw = raw.astype(">u2")
    scan = raw.view(np.uint8).reshape(rows, cols * channels * depth // 8)
    up = scan.copy()
    up[1:] -= scan[:-1]  # uint8 arithmetic wraps mod 256, as the filter requires
    data = np.empty((rows, scan.shape[1] + 1), dtype=np.uint8)
    data[:, 0] = 2  # filter type Up
    data[:, 1:] = up
    header = struct.pack(">IIBBBBB", cols, rows, depth, colour, 0, 0, 0)
    return (_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(data.tobytes(), compress_level))
            + _chunk(b"IEND", b""))


@njit(cache=True, nogil=True)
def _unfilter(data, out, rows, stride, bpp):
    """Undo PNG row filters: ``data`` is rows * (1 + stride) bytes, ``out`` rows x stride.

    Returns 0, or the 1-based row number whose filter type is not 0-4.
    """
    for r in range(rows):
        base = r * (stride + 1)
        ftype = data[base]
        if ftype > 4:
            return r + 1
        for i in range(stride):
            x = np.int32(data[base + 1 + i])
            a = np.int32(out[r, i - bpp]) if i >= bpp else 0
            b = np.int32(out[r - 1, i]) if r > 0 else 0
            c = np.int32(out[r - 1, i - bpp]) if (r > 0 and i >= bpp) else 0
            if ftype == 1:
                x += a
            elif ftype == 2:
                x += b
            elif ftype == 3:
                x += (a + b) // 2
            elif ftype == 4:
                p = a + b - c
                pa = abs(p - a)
                pb = abs(p - b)
                pc = abs(p - c)
                if pa <= pb and pa <= pc:
                    x += a
                elif pb <= pc:
                    x += b
                else:
                    x += c
            out[r, i] = x & 0xFF
    return 0


def decode_png(blob: bytes) -> np.ndarray:
    """Decode PNG bytes to an array in image order (row 0 at the top).

    Returns uint8 or uint16 (by bit depth) of shape (rows, cols) for grayscale or
    (rows, cols, channels) for grayscale+alpha, RGB and RGBA.

    Raises
    ------
    PNGError
        Not a PNG, truncated or corrupt data, or a kind this reader does not handle
        (palette, interlaced, bit depths below 8).
    """
    if not blob.startswith(_SIGNATURE):
        raise PNGError("not a PNG file (bad signature)")
    pos = len(_SIGNATURE)
    header = None
    idat = []
    ended = False
    while pos + 8 <= len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind = blob[pos + 4:pos + 8]
        data = blob[pos + 8:pos + 8 + length]
        if len(data) != length or pos + 12 + length > len(blob):
            raise PNGError(f"truncated PNG ({kind.decode('latin-1')} chunk cut short)")
        (crc,) = struct.unpack(">I", blob[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + data) & 0xFFFFFFFF != crc:
            raise PNGError(f"corrupt PNG (CRC mismatch in {kind.decode('latin-1')} chunk)")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            ended = True
            break
        pos += 12 + length
    if header is None:
        raise PNGError("corrupt PNG (no IHDR chunk)")
    if not ended:
        raise PNGError("truncated PNG (no IEND chunk)")
    cols, rows, depth, colour, _, _, interlace = header
    if colour not in _CHANNELS:
        raise PNGError(f"unsupported PNG colour type {colour} (palette images are not read; "
                       "save as grayscale or RGB)")
    if depth not in (8, 16):
        raise PNGError(f"unsupported PNG bit depth {depth} (8 or 16 are read)")
    if interlace:
        raise PNGError("unsupported interlaced PNG (save it without interlacing)")
    if rows == 0 or cols == 0:
        raise PNGError("empty PNG image")
    channels = _CHANNELS[colour]
    bpp = channels * depth // 8
    stride = cols * bpp
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as exc:
        raise PNGError(f"corrupt PNG image data ({exc})") from None
    if len(raw) < rows * (stride + 1):
        raise PNGError(f"truncated PNG image data ({len(raw)} of {rows * (stride + 1)} bytes)")
    data = np.frombuffer(raw, dtype=np.uint8, count=rows * (stride + 1))
    out = np.empty((rows, stride), dtype=np.uint8)
    bad = _unfilter(data, out, rows, stride, bpp)
    if bad:
        raise PNGError(f"corrupt PNG (unknown filter type in row {bad - 1})")
    if depth == 16:
        img = out.view(">u2").astype(np.uint16)
    else:
        img = out
    img = img.reshape(rows, cols, channels)
    return img[:, :, 0] if channels == 1 else img


def write_png(path, image: np.ndarray) -> None:
    """Write ``image`` (see :func:`encode_png`) to ``path`` atomically.

    The bytes go to a temporary file in the same directory, which then replaces ``path``, so a
    failure never leaves a half-written file.
    """
    blob = encode_png(image)
    atomic_write(path, lambda fh: fh.write(blob), binary=True)


def read_png(path) -> np.ndarray:
    """Read a PNG file (see :func:`decode_png`)."""
    return decode_png(Path(path).read_bytes())

