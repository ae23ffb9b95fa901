"""Get the uncompressed ELF kernel out of a bzImage.

qemu can enter an ELF ``vmlinux`` through its PVH note, which skips the
bzImage's real-mode setup and self-decompression: under TCG that saves
seconds per boot. The bzImage setup header says where the compressed
payload lies (``payload_offset``/``payload_length``); we inflate it with
lzma (xz, Debian 6.1) or the host's ``zstd`` (Debian 6.12).
"""

from __future__ import annotations

import lzma
import shutil
import struct
import subprocess

from memcglab.real.errors import RealKernelError

XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _payload(bzimage: bytes) -> bytes:
    if bzimage[0x202:0x206] != b"HdrS":
        raise RealKernelError("not a bzImage (no HdrS setup header)")
    setup_sects = bzimage[0x1F1] or 4
    offset, length = struct.unpack_from("<II", bzimage, 0x248)
    start = (setup_sects + 1) * 512 + offset
    return bzimage[start : start + length]


def extract_vmlinux(bzimage: bytes) -> bytes:
    payload = _payload(bzimage)
    if payload.startswith(XZ_MAGIC):
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    elif payload.startswith(ZSTD_MAGIC):
        zstd = shutil.which("zstd")
        if zstd is None:
            raise RealKernelError("the kernel is zstd-compressed: apt-get install zstd")
        # The kernel build appends the decompressed size (4 bytes) after the zstd frame,
        # which zstd reports as trailing garbage; the frame itself decodes fine.
        res = subprocess.run([zstd, "-dc"], input=payload, capture_output=True, check=False)
        out = res.stdout
    else:
        raise RealKernelError(f"unknown bzImage compression (magic {payload[:6].hex()})")
    if not out.startswith(b"\x7fELF"):
        raise RealKernelError("decompressed kernel is not an ELF file")
    return out
