"""Where a process spends its time during a benchmark: py-spy beside it, and a summary.

``py-spy record --format raw`` writes one line per distinct stack, ``frame;frame;… count``.
Only stacks holding the GIL are sampled (``--gil``): on a two-core machine the question is
what keeps the interpreter busy, not where threads sleep. The summary counts, for each
function of ours (``dondoc/``) and of the libraries named, the share of samples in which
it appears anywhere on the stack (inclusive time) and the share in which it is the
innermost frame (self time).

py-spy is not a dependency of the project: ``.venv/bin/pip install py-spy``. A profiled
run is slower than an unprofiled one, so its figures are not benchmark figures.

    .venv/bin/python bench/profiles.py FILE.txt [--top 25] [--match dondoc/]
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
from collections import Counter
from pathlib import Path

from processes import Child, Processes

SPY = Path(sys.executable).parent / "py-spy"
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def available() -> bool:
    return SPY.exists()


def record(processes: Processes, target: Child, folder: Path) -> Child:
    """Start sampling ``target``; stopped (and written) before it, by SIGINT."""
    out = folder / f"profile-{target.name}.txt"
    spy = processes.start(
        f"py-spy-{target.name}",
        [str(SPY), "record", "--format", "raw", "--gil", "--rate", "50",
         "-o", str(out), "--pid", str(target.pid)],
    )  # fmt: skip
    spy.stop_signal = signal.SIGINT
    return spy


def _where(frame: str) -> tuple[str, str]:
    found = _FRAME.match(frame.strip())
    if not found:
        return frame.strip(), ""
    return found["func"], found["file"]


def summarise(path: Path, match: str, top: int) -> list[str]:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text("utf-8", "replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_where(f) for f in stack.split(";")]
        names = {f"{func} ({file})" for func, file in frames if match in file}
        for name in names:
            inclusive[name] += n
        func, file = frames[-1]
        own[f"{func} ({file})"] += n
    lines = [f"{path.name}: {total} samples holding the GIL"]
    lines.append(f"  inclusive, frames in files matching {match!r}:")
    lines += [f"    {n / total:6.1%}  {name}" for name, n in inclusive.most_common(top)]
    lines.append("  self (innermost frame), any file:")
    lines += [f"    {n / total:6.1%}  {name}" for name, n in own.most_common(top)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="dondoc/")
    args = parser.parse_args()
    print("\n".join(summarise(args.file, args.match, args.top)))


if __name__ == "__main__":
    main()
