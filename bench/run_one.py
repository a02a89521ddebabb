"""Run one implementation of one family (or all of ours) in this process; print seconds and peak RSS as JSON."""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from pathlib import Path

FAMILIES = ("access", "t3", "continuity", "nps")
MODULES = {"ours": "bench.ours", "duckdb": "bench.reference_duckdb", "pandas": "bench.reference_pandas"}


def main() -> None:
    implementation, family, folder, out = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    module = importlib.import_module(MODULES[implementation])
    families = FAMILIES if family == "all" else (family,)
    started = time.perf_counter()
    for name in families:
        result = getattr(module, name)(folder)
        if family != "all":
            result.write_parquet(out)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib}))


if __name__ == "__main__":
    main()
