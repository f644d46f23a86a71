"""The two real data sets of the guide, shipped inside the package and checked at every load.

Both files are byte-identical to the copies that *Dive into Deep Learning* (d2l) registers in
its data hub, and `SHA1` holds d2l's own SHA-1 sums for them. Every loader hashes the file it
reads and refuses a missing or altered one with an error naming the file and the expected
hash. Nothing here touches the network: the files are package data (``rmsprop_ref/_data/``).

- ``airfoil_self_noise.dat``: the NASA airfoil self-noise measurements of Brooks, Pope &
  Marcolini, *Airfoil Self-Noise and Prediction*, NASA Reference Publication 1218 (1989), as
  distributed by the UCI Machine Learning Repository (dataset 291, "Airfoil Self-Noise",
  licence CC BY 4.0: cite the data set). 1503 rows, 6 tab-separated columns.
- ``timemachine.txt``: H. G. Wells, *The Time Machine* (1898), the Project Gutenberg text
  d2l uses for its language models. Public domain.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

__all__ = ["AIRFOIL_COLUMNS", "DATA_DIR", "SHA1", "DataFileError", "airfoil", "time_machine"]

#: Where the package's copies live.
DATA_DIR = Path(__file__).parent / "_data"

#: d2l's SHA-1 of each file (d2l's DATA_HUB entries), checked at every load.
SHA1 = {
    "airfoil_self_noise.dat": "76e5be1548fd8222e5074cf0faae75edff8cf93f",
    "timemachine.txt": "090b5e7e70c295757f55df93cb0a180b9691891a",
}

#: The airfoil file's columns in order; the last is the target.
AIRFOIL_COLUMNS = (
    "frequency (Hz)",
    "angle of attack (deg)",
    "chord length (m)",
    "free-stream velocity (m/s)",
    "suction-side displacement thickness (m)",
    "scaled sound pressure level (dB)",
)


class DataFileError(OSError):
    """A data file is missing or its SHA-1 is not the expected one."""


def _verified_bytes(name: str, path: str | Path | None) -> bytes:
    """The bytes of data file `name` (at `path`, default the package's copy), after its SHA-1 check."""
    path = DATA_DIR / name if path is None else Path(path)
    expected = SHA1[name]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(
            f"data file {name} missing or unreadable at {path} (expected SHA-1 {expected}): {exc}"
        ) from None
    got = hashlib.sha1(data).hexdigest()
    if got != expected:
        raise DataFileError(f"data file {name} at {path} is altered: SHA-1 {got}, expected {expected}")
    return data


def airfoil(standardize: bool = False, path: str | Path | None = None) -> np.ndarray:
    """The NASA airfoil self-noise data, shape (1503, 6), float64, columns `AIRFOIL_COLUMNS`.

    Brooks, T. F., Pope, D. S. & Marcolini, M. A., *Airfoil Self-Noise and Prediction*, NASA
    Reference Publication 1218 (1989); UCI Machine Learning Repository, "Airfoil Self-Noise"
    (https://doi.org/10.24432/C5VW2C), licence CC BY 4.0. The file is d2l's copy (SHA-1 in `SHA1`).

    Parameters
    ----------
    standardize
        if True, every column shifted and scaled to mean 0 and standard deviation 1 over all
        1503 rows (numpy's ``std``, ddof = 0), as d2l does before taking its first 1500 rows.
    path
        read this file instead of the package's copy (it must still have the expected SHA-1).

    Raises
    ------
    DataFileError
        if the file is missing or its SHA-1 is not ``SHA1["airfoil_self_noise.dat"]``.
    """
    text = _verified_bytes("airfoil_self_noise.dat", path).decode("ascii")
    data = np.array([[float(v) for v in line.split("\t")] for line in text.splitlines() if line.strip()])
    if standardize:
        data = (data - data.mean(axis=0)) / data.std(axis=0)
    return data


def time_machine(words: bool = True, path: str | Path | None = None) -> list[str] | str:
    """H. G. Wells, *The Time Machine* (1898), Project Gutenberg's text as d2l uses it; public domain.

    Parameters
    ----------
    words
        if True (default), the text tokenised as d2l does for its word-level models: every run
        of characters other than the letters A-Z and a-z becomes a space, the text is
        lower-cased and split on spaces (32,775 words, 4,579 distinct). If False, the raw text.
    path
        read this file instead of the package's copy (it must still have the expected SHA-1).

    Raises
    ------
    DataFileError
        if the file is missing or its SHA-1 is not ``SHA1["timemachine.txt"]``.
    """
    text = _verified_bytes("timemachine.txt", path).decode("utf-8")
    if not words:
        return text
    return re.sub("[^A-Za-z]+", " ", text).lower().split()
