"""A PEP 517 build backend for the Baton SDK with the standard library only (no setuptools, no PyPI).

pip, `python -m build` and scripts/build-sdk-wheel.sh call it; `python3 baton_build.py OUTDIR` builds the wheel directly.
The wheel holds the `baton` package as it is (modules, .pyi stubs, py.typed), so what jobs run on an agent and what a
developer installs into a venv are the same files. Entries are sorted and dated from SOURCE_DATE_EPOCH (default
1980-01-01) so a build is reproducible.
"""

import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import time
import zipfile

NAME = "baton-sdk"
DIST = "baton_sdk"
SUMMARY = "The SDK for Python automations run by Baton: inputs, results, progress, logs, artifacts, local runs."
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "baton")
SHIPPED = (".py", ".pyi", "py.typed")


def version():
    with open(os.path.join(PACKAGE, "__init__.py"), encoding="utf-8") as handle:
        match = re.search(r'^__version__\s*=\s*"([^"]+)"', handle.read(), re.M)
    if not match:
        raise RuntimeError("baton/__init__.py has no __version__")
    return match.group(1)


def package_files():
    """(path inside the wheel, path on disk) for every shipped file of the package, sorted."""
    found = []
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            if name.endswith(SHIPPED):
                full = os.path.join(folder, name)
                found.append((os.path.relpath(full, ROOT).replace(os.sep, "/"), full))
    return sorted(found)


def metadata():
    readme = os.path.join(ROOT, "README.md")
    description = open(readme, encoding="utf-8").read() if os.path.exists(readme) else ""
    return (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: %s\n"
        "Requires-Python: >=3.8\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: Typing :: Typed\n"
        "Description-Content-Type: text/markdown\n"
        "\n%s" % (NAME, version(), SUMMARY, description)
    )


def _date():
    stamp = max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800)
    return time.gmtime(stamp)[:6]


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def _add(archive, path, data):
    info = zipfile.ZipInfo(path, date_time=_date())
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def wheel_name():
    return "%s-%s-py3-none-any.whl" % (DIST, version())


def _dist_info_files():
    info = "%s-%s.dist-info" % (DIST, version())
    wheel = "Wheel-Version: 1.0\nGenerator: baton_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    return info, [(info + "/METADATA", metadata().encode("utf-8")), (info + "/WHEEL", wheel.encode("utf-8"))]


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    os.makedirs(wheel_directory, exist_ok=True)
    target = os.path.join(wheel_directory, wheel_name())
    info, extra = _dist_info_files()
    records = []
    with zipfile.ZipFile(target + ".tmp", "w") as archive:
        for path, full in package_files():
            with open(full, "rb") as handle:
                data = handle.read()
            _add(archive, path, data)
            records.append(_record_line(path, data))
        for path, data in extra:
            _add(archive, path, data)
            records.append(_record_line(path, data))
        records.append(info + "/RECORD,,")
        _add(archive, info + "/RECORD", ("\n".join(records) + "\n").encode("utf-8"))
    os.replace(target + ".tmp", target)
    return os.path.basename(target)


def build_sdist(sdist_directory, config_settings=None):
    os.makedirs(sdist_directory, exist_ok=True)
    base = "%s-%s" % (DIST, version())
    target = os.path.join(sdist_directory, base + ".tar.gz")
    files = [(p, f) for p, f in package_files()]
    for name in ("pyproject.toml", "README.md", "_build/baton_build.py"):
        files.append((name, os.path.join(ROOT, name)))
    files.append(("PKG-INFO", None))
    with tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, full in sorted(files, key=lambda f: f[0]):
            data = metadata().encode("utf-8") if full is None else open(full, "rb").read()
            info = tarfile.TarInfo(base + "/" + path)
            info.size = len(data)
            info.mtime = time.mktime(_date() + (0, 0, -1))
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return os.path.basename(target)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info, extra = _dist_info_files()
    folder = os.path.join(metadata_directory, info)
    os.makedirs(folder, exist_ok=True)
    for path, data in extra:
        with open(os.path.join(metadata_directory, path), "wb") as handle:
            handle.write(data)
    return info


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "dist"
    print(os.path.join(out, build_wheel(out)))
