"""Builds wheels/greetlib-1.0.0-py3-none-any.whl offline (stdlib only), reproducibly.

Run: python3 build_wheel.py
"""

import base64
import hashlib
import os
import zipfile

NAME = "greetlib"
VERSION = "1.0.0"
HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "wheels", "%s-%s-py3-none-any.whl" % (NAME, VERSION))
DIST_INFO = "%s-%s.dist-info" % (NAME, VERSION)

FILES = {
    NAME + "/__init__.py": (
        '"""A tiny library for the Baton with-deps sample."""\n\n'
        '__version__ = "%s"\n\n\n'
        "def greet(name):\n"
        '    return "Hello from greetlib, %%s!" %% name\n' % VERSION
    ),
    DIST_INFO + "/METADATA": (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: A tiny greeting library for the Baton with-deps sample\n" % (NAME, VERSION)
    ),
    DIST_INFO + "/WHEEL": (
        "Wheel-Version: 1.0\n"
        "Generator: baton-build-wheel\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ),
    DIST_INFO + "/top_level.txt": NAME + "\n",
}


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def main():
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    record_lines = []
    with zipfile.ZipFile(TARGET, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, text in FILES.items():
            data = text.encode("utf-8")
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
            record_lines.append("%s,%s,%d" % (path, record_hash(data), len(data)))
        record_path = DIST_INFO + "/RECORD"
        record_lines.append(record_path + ",,")
        info = zipfile.ZipInfo(record_path, date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        wheel.writestr(info, "\n".join(record_lines) + "\n")
    print("wrote " + TARGET)


if __name__ == "__main__":
    main()
