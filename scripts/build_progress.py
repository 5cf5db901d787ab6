"""What scripts/setup.sh shows of `pip install -v`: its whole output goes to
a log file, and the terminal gets a progress bar (tqdm) over the
extension's build steps, the ones ninja (or make) counts, with the rate and
the time left, plus pip's own milestones and errors.

    pip install -v . 2>&1 | python scripts/build_progress.py LOG

Not on a terminal, it prints the milestones only (a log a CI keeps stays
short). It never decides success: setup.sh reads pip's exit status and, on
a failure, prints the end of LOG.
"""

import re
import sys

from tqdm import tqdm

NINJA = re.compile(r"^\s*\[(\d+)/(\d+)\]\s")  # [12/95] Building CXX object ...
MAKE = re.compile(r"^\s*\[\s*(\d+)%\]\s")     # [ 37%] Building CXX object ...
MILESTONES = ("Collecting ", "Building wheel", "Created wheel", "Successfully installed",
              "ERROR", "error:", "CMake Error")


def main(log_path: str) -> None:
    terminal = sys.stderr.isatty()
    bar = None
    say = print
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        for line in sys.stdin:
            log.write(line)
            log.flush()
            step = NINJA.match(line)
            percent = None if step else MAKE.match(line)
            if step or percent:
                done, total = ((int(step[1]), int(step[2])) if step
                               else (int(percent[1]), 100))
                if bar is None:
                    print("setup: building the extension"
                          + ("" if terminal else f" ({total} {'steps' if step else '%'})"),
                          file=sys.stderr, flush=True)
                    bar = tqdm(total=total, unit=" steps" if step else "%", file=sys.stderr,
                               disable=not terminal, dynamic_ncols=True, leave=False,
                               desc="setup: build")
                    say = bar.write
                bar.total = total
                bar.update(max(done - bar.n, 0))
                if done >= total:  # built: the bar goes, the lines after it print plainly
                    bar.close()
                    bar, say = None, print
                continue
            if line.lstrip().startswith(MILESTONES):
                say(line.rstrip()[:200], file=sys.stderr)
    if bar is not None:
        bar.close()


if __name__ == "__main__":
    main(sys.argv[1])
