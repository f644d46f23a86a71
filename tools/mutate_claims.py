"""Mutation test of the claims: change one number in a tagged sentence; its claim test must fail.

    .venv/bin/python tools/mutate_claims.py --seed 0 --count 20 [--pages adagrad ewma ...]
                                            [--all-numbers] [--each] [--names NAME ...] [--list]

Picks, with the given seed, `count` tagged sentences that hold a decimal number (one printed
with a decimal point: 0.007, 1.8, 1.5e-2; with --all-numbers any number), changes the last
digit of one of them by one (up or down, at random; 0.007 -> 0.006 or 0.008; in 1.5×10⁻² the
mantissa's), runs only that claim's test against the patched page and reports each mutant
killed (the test failed) or survived, and the kill rate. With --each every (decimal) number of a chosen sentence is
mutated in turn.

The pages in docs/ are never edited (other people edit them meanwhile): each mutant is written
into a temporary copy of docs/, and the claim mechanism reads that copy through the
environment variable RMSPROP_REF_CLAIM_DOCS (tests/claims.py). The copy is removed on exit,
Ctrl-C included. Each selected test is first run on the unpatched pages; one that fails there
is reported and left out. Heavy: run it under `flock /tmp/heavy.lock`.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from claims import DOCS_ENV, PREFIX, TAG, Claim, tagged_span  # noqa: E402


def claim_tests() -> dict[str, str]:
    """Claim name -> pytest node id of its test."""
    found = {}
    for module in sorted((ROOT / "tests").glob("test_claims*.py")):
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith(PREFIX):
                found[node.name[len(PREFIX) :]] = f"tests/{module.name}::{node.name}"
    return found


def page_sources() -> dict[str, tuple[Path, str, list[tuple[int, int, int]]]]:
    """Page file name -> (path, the text the mechanism reads, notebook cells as (index, start, end) in it)."""
    out = {}
    for path in sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "docs").glob("*.ipynb")):
        if path.suffix == ".md":
            out[path.name] = (path, path.read_text(encoding="utf-8"), [])
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        parts, spans, offset = [], [], 0
        for i, c in enumerate(cells):
            if c["cell_type"] != "markdown":
                continue
            if parts:
                offset += 2  # the mechanism joins the cells with a blank line
            src = "".join(c["source"])
            spans.append((i, offset, offset + len(src)))
            parts.append(src)
            offset += len(src)
        out[path.name] = (path, "\n\n".join(parts), spans)
    return out


def is_decimal(number) -> bool:
    return re.search(r"\d\.\d", number.text) is not None


def mutate_text(text: str, rng: random.Random) -> str:
    """`text` with its last digit changed by one, up or down (0 only up, 9 only down)."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    last = digits[-1]
    times = re.search(r"\\times|×|\\cdot|·|[eE]", text)
    if times:  # 1.5×10⁻², 1.5e-2: the mantissa's last digit
        last = [i for i in digits if i < times.start()][-1]
    d = int(text[last])
    step = rng.choice((-1, 1)) if 0 < d < 9 else (1 if d == 0 else -1)
    return text[:last] + str(d + step) + text[last + 1 :]


def write_patched(docs: Path, sources, page: str, start: int, end: int, new: str) -> None:
    path, text, cells = sources[page]
    if not cells:
        (docs / page).write_text(text[:start] + new + text[end:], encoding="utf-8")
        return
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, a, b in cells:
        if a <= start < b:
            src = text[a:b]
            nb["cells"][index]["source"] = (src[: start - a] + new + src[end - a :]).splitlines(keepends=True)
    (docs / page).write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


def run_test(node_id: str, docs: Path | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": "true"}
    env.pop(DOCS_ENV, None)
    if docs is not None:
        env[DOCS_ENV] = str(docs)
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", node_id]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--pages", nargs="*", help="page names without suffix (default: every page)")
    ap.add_argument("--names", nargs="*", help="only these claims")
    ap.add_argument("--all-numbers", action="store_true", help="mutate any number, not only decimals")
    ap.add_argument("--each", action="store_true", help="mutate each number of a chosen sentence in turn")
    ap.add_argument("--list", action="store_true", help="only list the candidate sentences")
    ap.add_argument("-v", "--verbose", action="store_true", help="print a survivor's test output")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    tests, sources = claim_tests(), page_sources()
    candidates = []  # (name, page, numbers, offset of the tagged text in the page text)
    for page, (_, text, _) in sources.items():
        if args.pages and Path(page).stem not in args.pages:
            continue
        for tag in TAG.finditer(text):
            name = tag.group(1)
            if name not in tests or (args.names and name not in args.names):
                continue
            a, b = tagged_span(text, tag)
            numbers = [n for n in Claim(text[a:b]).numbers if args.all_numbers or is_decimal(n)]
            if numbers:
                candidates.append((name, page, numbers, a))
    kind = "number" if args.all_numbers else "decimal number"
    print(f"{len(candidates)} tagged sentences with a {kind}", flush=True)
    if args.list:
        for name, page, numbers, _ in candidates:
            print(f"  {page}: {name}: {[n.text for n in numbers]}")
        return 0
    chosen = rng.sample(candidates, min(args.count, len(candidates)))
    mutants = []  # (name, page, number, offset, mutated text)
    for name, page, numbers, offset in chosen:
        for number in numbers if args.each else [rng.choice(numbers)]:
            mutants.append((name, page, number, offset, mutate_text(number.text, rng)))
    killed = survived = 0
    passes = {}
    with tempfile.TemporaryDirectory(prefix="mutate_claims_") as tmp:
        docs = Path(tmp) / "docs"
        for name, page, number, offset, new in mutants:
            if name not in passes:
                passes[name] = run_test(tests[name], None).returncode == 0
            if not passes[name]:
                print(f"SKIP     {page}: {name}: its test fails on the unpatched page", flush=True)
                continue
            if docs.exists():
                shutil.rmtree(docs)
            shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("figures", "javascripts", "stylesheets"))
            write_patched(docs, sources, page, offset + number.start, offset + number.end, new)
            result = run_test(tests[name], docs)
            dead = result.returncode != 0
            killed += dead
            survived += not dead
            print(f"{'killed  ' if dead else 'SURVIVED'} {page}: {name}: {number.text} -> {new}", flush=True)
            if not dead and args.verbose:
                print(result.stdout[-2000:])
    total = killed + survived
    if total:
        print(f"kill rate: {killed}/{total} = {100 * killed / total:.0f} %")
    return 0 if survived == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
