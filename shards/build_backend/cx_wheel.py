"""cx_wheel - the PEP 517 build backend of chexinstruct_shards (pyproject.toml).

Why not setuptools: pip builds a package in an isolated environment and
downloads the backend named in build-system.requires into it, so an offline
`pip install ./shards` with a setuptools backend fails even where Debian's
python3-setuptools is installed. This backend is in the tree (backend-path)
and uses the standard library only, so the install needs no network.

It writes a pure-Python wheel of chexinstruct_shards/ (build_wheel), an
editable one that points at the source folder (build_editable, PEP 660) and
an sdist (build_sdist). Archives are deterministic: sorted members, fixed
timestamps and modes, so the same tree gives the same bytes.
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "chexinstruct_shards"
EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold


def _project():
    """[project] of pyproject.toml: tomllib where Python has it (3.11+),
    else the few plain `key = "value"` and extras lines this file uses."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        text = f.read()
    try:
        import tomllib
        return tomllib.loads(text.decode("utf-8"))["project"]
    except ImportError:
        pass
    proj, section = {"optional-dependencies": {}}, None
    for line in text.decode("utf-8").splitlines():
        m = re.match(r"\[(.+)\]$", line.strip())
        if m:
            section = m.group(1)
            continue
        m = re.match(r'([\w-]+)\s*=\s*(.+)$', line.strip())
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        if section == "project" and value.startswith('"'):
            proj[key] = value.strip('"')
        elif section == "project.optional-dependencies":
            proj["optional-dependencies"][key] = re.findall(r'"([^"]+)"', value)
    return proj


def _names(proj):
    dist = re.sub(r"[-_.]+", "_", proj["name"])
    return dist, "%s-%s" % (dist, proj["version"])


def _metadata(proj):
    lines = ["Metadata-Version: 2.1", "Name: " + proj["name"], "Version: " + proj["version"],
             "Summary: " + proj.get("description", "")]
    if proj.get("requires-python"):
        lines.append("Requires-Python: " + proj["requires-python"])
    for extra, reqs in sorted(proj.get("optional-dependencies", {}).items()):
        lines.append("Provides-Extra: " + extra)
        lines += ['Requires-Dist: %s; extra == "%s"' % (r, extra) for r in reqs]
    readme = os.path.join(ROOT, "README.md")
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = "\n" + f.read()
    return ("\n".join(lines) + "\n" + body).encode("utf-8")


def _sources():
    """(archive name, bytes) of the package's .py files, sorted."""
    out = []
    pkg = os.path.join(ROOT, PACKAGE)
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py"):
            with open(os.path.join(pkg, name), "rb") as f:
                out.append((PACKAGE + "/" + name, f.read()))
    return out


def _digest(data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + d.decode("ascii")


def _wheel(directory, files, proj):
    dist, stem = _names(proj)
    info = stem + ".dist-info/"
    files = list(files) + [
        (info + "METADATA", _metadata(proj)),
        (info + "WHEEL", b"Wheel-Version: 1.0\nGenerator: cx_wheel\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n"),
    ]
    record = "".join("%s,%s,%d\n" % (n, _digest(d), len(d)) for n, d in files)
    files.append((info + "RECORD", (record + info + "RECORD,,\n").encode("utf-8")))
    name = stem + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files:
            zi = zipfile.ZipInfo(n, EPOCH)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d)
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_sdist = get_requires_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, _sources(), _project())


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """A wheel holding only a .pth line that puts shards/ on sys.path."""
    proj = _project()
    pth = (_names(proj)[0] + ".pth", (ROOT + "\n").encode("utf-8"))
    return _wheel(wheel_directory, [pth], proj)


def build_sdist(sdist_directory, config_settings=None):
    proj = _project()
    stem = _names(proj)[1]
    name = stem + ".tar.gz"
    members = [("pyproject.toml", None), ("README.md", None),
               ("build_backend/cx_wheel.py", None)] + _sources()
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as t:
        for n, d in members:
            if d is None:
                with open(os.path.join(ROOT, n), "rb") as f:
                    d = f.read()
            ti = tarfile.TarInfo(stem + "/" + n)
            ti.size, ti.mtime, ti.mode = len(d), 0, 0o644
            t.addfile(ti, io.BytesIO(d))
        pkg_info = _metadata(proj)
        ti = tarfile.TarInfo(stem + "/PKG-INFO")
        ti.size, ti.mtime, ti.mode = len(pkg_info), 0, 0o644
        t.addfile(ti, io.BytesIO(pkg_info))
    return name
