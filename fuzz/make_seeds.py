#!/usr/bin/env python3
"""Seed inputs for the fuzz targets (fuzz/*_fuzz.cpp), made from a `make demo` output
directory and from the repository's own files.

    fuzz/make_seeds.py DEMO_OUT OUT_DIR [--small]

Writes OUT_DIR/<target>/<name> for every target it has seeds for. --small keeps only seeds
of at most 8 KiB (cut down where a format allows it: a journal to its first frames, an
export to its first records): what is committed in fuzz/corpus/. Without --small the whole
demo files are used too (scripts/fuzz.sh, when a demo output exists). Standard library
only: the protobuf and tar framing is written here by hand.
"""
import base64
import hashlib
import io
import json
import os
import pathlib
import struct
import subprocess
import sys
import tarfile
import tempfile

SMALL = 8 * 1024


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(data, at):
    shift = value = 0
    while True:
        b = data[at]
        at += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, at


def fields(data):
    """(number, wire type, value) of a protobuf message's top-level fields."""
    at = 0
    while at < len(data):
        key, at = read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = read_varint(data, at)
        elif wire == 2:
            length, at = read_varint(data, at)
            value = data[at:at + length]
            at += length
        elif wire == 1:
            value, at = data[at:at + 8], at + 8
        elif wire == 5:
            value, at = data[at:at + 4], at + 4
        else:
            raise ValueError("unsupported wire type")
        yield number, wire, value


def field(number, wire, value):
    if wire == 0:
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


class Seeds:
    def __init__(self, out, small):
        self.out = pathlib.Path(out)
        self.small = small

    def add(self, target, name, data):
        if isinstance(data, str):
            data = data.encode()
        if self.small and len(data) > SMALL:
            return
        d = self.out / target
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)


def small_export(data, records):
    """A station export cut to its first `records` records (the checkpoint no longer
    matches: the reader and the chain rules are what is exercised)."""
    out = bytearray()
    kept = 0
    first = None
    for number, wire, value in fields(data):
        if number == 2:
            first = value
        if number == 3 and first is not None:
            value = first + records - 1
        if number == 4:
            kept += 1
            if kept > records:
                continue
        out += field(number, wire, value)
    return bytes(out)


def small_journal(data, frames):
    """A journal cut after its first `frames` frames (header: magic, u16 id length, id,
    u32 check; frame: u32 length, record, u32 check)."""
    at = 8
    (id_len,) = struct.unpack(">H", data[at:at + 2])
    at += 2 + id_len + 4
    for _ in range(frames):
        if at + 4 > len(data):
            break
        (length,) = struct.unpack(">I", data[at:at + 4])
        at += 8 + length
    return data[:at]


def tar_bytes(entries, fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o444
            tar.addfile(info, io.BytesIO(content))
    data = buf.getvalue()
    # Without the zero padding tarfile adds up to a 10 KiB record: the end-of-archive
    # marker (two zero blocks) after the last entry's data is all a reader needs.
    end = len(data.rstrip(b"\0"))
    return data[:(end + 511) // 512 * 512 + 1024]


def frame(code, payload):
    return struct.pack(">IB", len(payload) + 1, code) + payload


def openssl_cert(cn, ca):
    with tempfile.TemporaryDirectory() as tmp:
        args = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", os.path.join(tmp, "k"),
                "-subj", f"/CN={cn}/O=Example Devices Ltd", "-days", "3650", "-outform", "DER",
                "-out", os.path.join(tmp, "c")]
        if ca:
            args += ["-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
                     "-addext", "keyUsage=critical,keyCertSign"]
        subprocess.run(args, check=True, capture_output=True)
        return pathlib.Path(tmp, "c").read_bytes()


def pem_to_der(pem):
    body = "".join(l for l in pem.decode().splitlines() if l and not l.startswith("-----"))
    return base64.b64decode(body)


def main():
    demo = pathlib.Path(sys.argv[1])
    seeds = Seeds(sys.argv[2], "--small" in sys.argv[3:])
    repo = pathlib.Path(__file__).resolve().parent.parent

    def demo_files(pattern):
        return sorted(demo.glob(pattern)) if demo.is_dir() else []

    # DSSE JSON envelopes.
    for p in demo_files("*.dsse.json") + demo_files("station/*.registration.json") + \
            demo_files("release/*.approval-*.json") + demo_files("station-1/trust-root/v1.json"):
        seeds.add("dsse_json", p.name, p.read_bytes())

    # Public keys, PEM and DER; token attributes (EC params, point).
    p256_oid = bytes.fromhex("06082a8648ce3d030107")
    for p in demo_files("keys/*.pem") + demo_files("refused/*.pem"):
        pem = p.read_bytes()
        der = pem_to_der(pem)
        seeds.add("public_key", p.name, pem)
        seeds.add("public_key", p.stem + ".der", der)
        if len(der) == 91:
            point = der[-65:]
            seeds.add("token_ec_point", p.stem + ".wrapped", bytes([len(p256_oid)]) + p256_oid +
                      b"\x04\x41" + point)
            seeds.add("token_ec_point", p.stem + ".raw", bytes([len(p256_oid)]) + p256_oid + point)

    # Tar archives shaped like bundles, in each format the station's reader must follow.
    content = b"image bytes\n" * 3
    entries = [("hallmark/bundle.pb", b""),
               ("images/sha256-" + hashlib.sha256(content).hexdigest(), content)]
    for fmt, name in [(tarfile.PAX_FORMAT, "pax"), (tarfile.USTAR_FORMAT, "ustar"),
                      (tarfile.GNU_FORMAT, "gnu")]:
        data = tar_bytes(entries, fmt)
        seeds.add("cached_entries", name + ".tar", data)
        seeds.add("bundle_reader", name + ".tar", data)
    long_name = [("promotion/" + "a" * 150, b"x")]
    seeds.add("cached_entries", "long-pax.tar", tar_bytes(long_name, tarfile.PAX_FORMAT))
    seeds.add("cached_entries", "long-gnu.tar", tar_bytes(long_name, tarfile.GNU_FORMAT))
    for p in demo_files("release/*.bundle"):
        seeds.add("bundle_reader", p.name, p.read_bytes())
        seeds.add("cached_entries", p.name, p.read_bytes())
        # The signed native images inside promoted bundles.
        if p.name.endswith(".promoted.bundle"):
            with tarfile.open(p) as tar:
                for member in tar.getmembers():
                    if member.name.startswith("native/"):
                        data = tar.extractfile(member).read()
                        seeds.add("native_image", p.stem + "-" + member.name[-8:], b"\x80" + data)
                        seeds.add("native_image", p.stem + "-" + member.name[-8:] + ".head",
                                  b"\x05" + data[:1024] + data[-4096:])

    # Journals and exports.
    for p in demo_files("station-*/journal"):
        data = p.read_bytes()
        seeds.add("journal", p.parent.name + ".journal", data)
        seeds.add("journal", p.parent.name + ".3frames", small_journal(data, 3))
        seeds.add("journal", p.parent.name + ".header", small_journal(data, 0))
    for p in demo_files("station/*.export.pb") + demo_files("refused/*.export.pb"):
        data = p.read_bytes()
        for target in ("export_reader", "station_export"):
            seeds.add(target, p.name, data)
            seeds.add(target, p.stem + ".2records", small_export(data, 2))

    # Certificates: a device-CA certificate and a unit's, each with a 2-byte length first.
    try:
        ca = openssl_cert("station-1", True)
        unit = openssl_cert("SN-0001", False)
        seeds.add("x509", "ca-and-unit", struct.pack(">H", len(ca)) + ca + unit)
        seeds.add("x509", "unit-as-ca", struct.pack(">H", len(unit)) + unit + ca)
    except (OSError, subprocess.CalledProcessError):
        pass

    # Textproto: the selector byte picks the parser (textproto_fuzz.cpp).
    for p in sorted((repo / "hsm-profiles/profiles").glob("*.textproto")):
        seeds.add("textproto", "profile-" + p.name, b"\x00" + p.read_bytes())
    for p in demo_files("firmware/*.textproto"):
        selector = b"\x02" if p.name == "catalog.textproto" else b"\x01"
        seeds.add("textproto", "firmware-" + p.name, selector + p.read_bytes())
    for p in demo_files("station-1/policy.textproto"):
        seeds.add("textproto", "policy.textproto", b"\x03" + p.read_bytes())

    # Device replies (station-agent/devsim/protocol.h): hardware id, key, measurement,
    # description, an error.
    measurement = (b"\x01" + struct.pack(">H", 8) + b"power-on" + b"\x01" + bytes(range(32)) +
                   b"\x01\x01\x01\x01" + bytes(32) * 2)
    description = (struct.pack(">Q", 4 << 20) + b"\x07esp32c6" + b"\x03v02" + b"\x02" +
                   b"\x13esp32-secure-boot-v2" + b"\x07mcuboot")
    seeds.add("device_frame", "replies", b"\x02" + frame(0, b"HW-0001") + frame(0, measurement) +
              frame(0, description) + frame(1, b"flash write failed"))
    seeds.add("device_frame", "measurement", b"\x02" + frame(0, measurement))
    seeds.add("device_frame", "description", b"\x00" + frame(0, description))

    # Manifests and retention segments of the evidence log.
    for p in demo_files("evidence/manifests/*.manifest.json")[:4]:
        seeds.add("manifest", p.name, p.read_bytes())
    for p in demo_files("evidence/retention/*.segment"):
        seeds.add("log_segment", p.name, p.read_bytes())


if __name__ == "__main__":
    main()
