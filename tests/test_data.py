"""rmsprop_ref.data: the shipped files, their SHA-1 checks, and that wheel and sdist carry them."""

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rmsprop_ref import data

ROOT = Path(__file__).resolve().parents[1]
# d2l's DATA_HUB sums (d2l/torch.py: DATA_HUB['airfoil'], DATA_HUB['time_machine']), copied from
# the book's source, not from the package, so a changed constant in rmsprop_ref.data fails here.
D2L_SHA1 = {
    "airfoil_self_noise.dat": "76e5be1548fd8222e5074cf0faae75edff8cf93f",
    "timemachine.txt": "090b5e7e70c295757f55df93cb0a180b9691891a",
}
LOADERS = {"airfoil_self_noise.dat": data.airfoil, "timemachine.txt": data.time_machine}


@pytest.mark.parametrize("name", sorted(D2L_SHA1))
def test_package_copy_is_d2ls_file(name):
    assert hashlib.sha1((data.DATA_DIR / name).read_bytes()).hexdigest() == D2L_SHA1[name]
    assert data.SHA1[name] == D2L_SHA1[name]


def test_airfoil_matches_pandas():
    pd = pytest.importorskip("pandas")
    ours = data.airfoil()
    theirs = pd.read_csv(data.DATA_DIR / "airfoil_self_noise.dat", sep="\t", header=None).to_numpy(np.float64)
    assert ours.shape == (1503, 6) == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
    assert len(data.AIRFOIL_COLUMNS) == 6


def test_airfoil_standardized():
    z = data.airfoil(standardize=True)
    raw = data.airfoil()
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, rtol=1e-12)
    # an affine map per column: the first row's value from the raw one by hand
    j = 0
    assert z[0, j] == pytest.approx((raw[0, j] - raw[:, j].mean()) / raw[:, j].std(), rel=1e-14)


def test_time_machine_words():
    text = data.time_machine(words=False)
    assert text.startswith("The Time Machine, by H. G. Wells [1898]")
    words = data.time_machine()
    assert words[:7] == ["the", "time", "machine", "by", "h", "g", "wells"]
    # the same tokens by another route: maximal runs of letters in the lower-cased text
    assert words == re.findall("[a-z]+", text.lower())
    assert all(w.isalpha() and w.islower() for w in words)


@pytest.mark.parametrize("name", sorted(D2L_SHA1))
def test_copy_with_right_hash_loads(name, tmp_path):
    copy = tmp_path / name
    shutil.copyfile(data.DATA_DIR / name, copy)
    a, b = LOADERS[name](path=copy), LOADERS[name]()
    assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b


@pytest.mark.parametrize("name", sorted(D2L_SHA1))
def test_missing_file_names_file_and_hash(name, tmp_path):
    with pytest.raises(data.DataFileError) as err:
        LOADERS[name](path=tmp_path / name)
    assert name in str(err.value) and D2L_SHA1[name] in str(err.value)
    assert "missing" in str(err.value)


@pytest.mark.parametrize("name", sorted(D2L_SHA1))
def test_altered_file_names_file_and_hash(name, tmp_path):
    raw = bytearray((data.DATA_DIR / name).read_bytes())
    raw[100] = ord("7") if raw[100] != ord("7") else ord("8")  # one character changed
    copy = tmp_path / name
    copy.write_bytes(bytes(raw))
    with pytest.raises(data.DataFileError) as err:
        LOADERS[name](path=copy)
    msg = str(err.value)
    assert name in msg and D2L_SHA1[name] in msg and hashlib.sha1(raw).hexdigest() in msg
    assert "altered" in msg


def test_wheel_and_sdist_ship_the_data(tmp_path):
    """Build both from a copy of the sources (the working tree is left alone) and list them."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "rmsprop_ref", src / "rmsprop_ref", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "dist"
    for hook in ("build_sdist", "build_wheel"):  # one process each: in one, the second lands elsewhere
        code = f"import sys, setuptools.build_meta as b; b.{hook}(sys.argv[1])"
        done = subprocess.run([sys.executable, "-c", code, str(out)], cwd=src, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as z:
        in_wheel = {n: z.read(n) for n in z.namelist() if n.startswith("rmsprop_ref/_data/")}
    with tarfile.open(sdist) as t:
        in_sdist = {
            m.name.split("/", 1)[1]: t.extractfile(m).read() for m in t.getmembers() if "/rmsprop_ref/_data/" in m.name
        }
    for name, sha in D2L_SHA1.items():
        path = f"rmsprop_ref/_data/{name}"
        assert hashlib.sha1(in_wheel[path]).hexdigest() == sha
        assert hashlib.sha1(in_sdist[path]).hexdigest() == sha
