#!/usr/bin/env python3
"""Check the UEFI framebuffer console the way a person would look at it.

Boots the ISO under OVMF with exit=halt, waits for the summary line on the
serial console, takes a QEMU screendump, saves it as PNG
(build/matrix/uefi-fb.png) and checks that the summary line is drawn on the
screen, glyph for glyph, in the font the kernel was built with.  Then it
compares the KTAP lines of that serial log with a BIOS run of the same
arguments: both firmwares must give the same verdicts.

Prints one line "fb-check: N passed, N failed"; exit status 0 when all
checks passed.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import pkrulog  # noqa: E402
import psf2c  # noqa: E402

ISO = os.path.join(ROOT, "build", "pkrulab.iso")
OUT = os.path.join(ROOT, "build", "matrix")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
FONT = os.environ.get("FONT", "/usr/share/consolefonts/Lat15-Fixed16.psf.gz")
ARGS = "tests=pku.*,xsave.area_size,switch.yield config=xsave,explicit"
FG, BG = 0xC0, 0x00


def read_ppm(path):
    data = open(path, "rb").read()
    magic, dims, maxval, pixels = data.split(b"\n", 3)
    if magic != b"P6" or maxval != b"255":
        raise ValueError("not a binary 8-bit PPM")
    width, height = map(int, dims.split())
    return width, height, pixels


def write_png(path, width, height, rgb):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows, 6)))
        f.write(chunk(b"IEND", b""))


def text_on_screen(width, height, rgb, text, glyphs):
    """Text row where `text` is drawn from column 0, or None."""
    def cell_matches(row, col, ch):
        rows = glyphs[ord(ch) - 0x20] if 0x20 <= ord(ch) < 0x7F else glyphs[ord("?") - 0x20]
        for y in range(16):
            line = (row * 16 + y) * width * 3
            for x in range(8):
                want = FG if rows[y] & (0x80 >> x) else BG
                off = line + (col * 8 + x) * 3
                if rgb[off:off + 3] != bytes((want, want, want)):
                    return False
        return True

    for row in range(height // 16):
        if all(cell_matches(row, col, ch) for col, ch in enumerate(text)):
            return row
    return None


def monitor(sock_path, command):
    s = socket.socket(socket.AF_UNIX)
    for _ in range(50):
        try:
            s.connect(sock_path)
            break
        except OSError:
            time.sleep(0.1)
    else:
        return
    s.settimeout(5)
    time.sleep(0.3)
    try:
        s.recv(4096)
    except socket.timeout:
        pass
    s.sendall(command.encode() + b"\n")
    time.sleep(1.0)
    s.close()


def boot_uefi(tmp, log):
    vars_copy = os.path.join(tmp, "vars.fd")
    shutil.copy(OVMF_VARS, vars_copy)
    sock = os.path.join(tmp, "mon.sock")
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "256M", "-display", "none",
           "-no-reboot", "-nic", "none", "-serial", "file:" + log,
           "-monitor", "unix:%s,server,nowait" % sock,
           "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
           "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy,
           "-cdrom", ISO, "-smbios", "type=1,product=pkrulab-auto",
           "-fw_cfg", "name=opt/pkrulab/cmdline,string=exit=halt " + ARGS.replace(",", ",,")]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE), sock


def main():
    passed = failed = 0

    def result(ok, what):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        if ok:
            passed += 1
        else:
            failed += 1

    os.makedirs(OUT, exist_ok=True)
    glyphs = psf2c.ascii_table(FONT)
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(OUT, "uefi-fb.log")
        if os.path.exists(log):
            os.remove(log)  # never read the previous run's summary
        proc, sock = boot_uefi(tmp, log)
        summary = None
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            text = open(log, "rb").read().decode("latin-1") if os.path.exists(log) else ""
            summary = pkrulog.find_summary(text)
            if summary:
                break
            time.sleep(0.5)
        result(summary is not None, "UEFI run reached its summary line on the serial console")
        ppm = os.path.join(tmp, "screen.ppm")
        if summary and proc.poll() is None:
            monitor(sock, "screendump " + ppm)
        if proc.poll() is None:
            monitor(sock, "quit")
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not (summary and os.path.exists(ppm)):
            result(False, "screendump taken")
        else:
            width, height, rgb = read_ppm(ppm)
            png = os.path.join(OUT, "uefi-fb.png")
            write_png(png, width, height, rgb)
            row = text_on_screen(width, height, rgb, summary, glyphs)
            result(row is not None, "framebuffer shows %r (row %s of a %dx%d screen, %s)" %
                   (summary, row, width, height, os.path.relpath(png, ROOT)))

    bios_log = os.path.join(OUT, "bios-fb-compare.log")
    subprocess.run([os.path.join(ROOT, "run-qemu.sh"), "--iso", ISO, "--timeout", "120",
                    "--log", bios_log, "--"] + ARGS.split(),
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def ktap(path):
        return pkrulog.ktap_lines(open(path, "rb").read().decode("latin-1"))

    uefi_lines, bios_lines = ktap(os.path.join(OUT, "uefi-fb.log")), ktap(bios_log)
    result(bool(uefi_lines) and uefi_lines == bios_lines,
           "KTAP lines identical under UEFI and BIOS (%d lines)" % len(uefi_lines))
    print("fb-check: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
