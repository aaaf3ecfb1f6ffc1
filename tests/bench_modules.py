"""The benchmark scripts under bench/ as modules, for tests of what they compute (bench/ is not a
package: each script is run by path)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench_module(script: str) -> ModuleType:
    """``bench/SCRIPT.py`` loaded as the module ``bench_SCRIPT`` (registered in sys.modules
    first: its dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location(f"bench_{script}", BENCH / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module
