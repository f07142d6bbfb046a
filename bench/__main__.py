"""``python -m bench``: run every benchmark in :data:`BENCHMARKS` and print its figures."""

from __future__ import annotations

import importlib
import sys

#: Modules with a ``main()`` that prints its figures; run in this order.
BENCHMARKS: tuple[str, ...] = (
    "bench.catalogue",
    "bench.rush",
    "bench.enrolment_lock",
    "bench.feeds",
    "bench.certificates",
    "bench.outage",
)


def main(selected: list[str]) -> None:
    for name in BENCHMARKS:
        if selected and name.rsplit(".", 1)[-1] not in selected:
            continue
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(name).main()


if __name__ == "__main__":
    main(sys.argv[1:])
