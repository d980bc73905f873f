"""Scenario projections for the targets of a city's indicator table.

The public API mirrors the CLI: load a catalog and scenarios, project them,
and read the results as tidy tables (``.records()`` or ``.to_frame()``).

>>> from nscc_proj import load_catalog, load_scenario, project
>>> result = project(load_catalog(), [load_scenario("base")])
>>> len(result.assessment_table)
62

Names load on first use, so ``nscc --help`` does not pay for NumPy and
pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Catalog": "nscc_proj.inputs.catalog",
    "Indicator": "nscc_proj.inputs.catalog",
    "load_catalog": "nscc_proj.inputs.catalog_io",
    "InputError": "nscc_proj.errors",
    "NsccError": "nscc_proj.errors",
    "Projection": "nscc_proj.analysis.projection",
    "project": "nscc_proj.analysis.projection",
    "required_growth": "nscc_proj.analysis.requirements",
    "Scenario": "nscc_proj.inputs.scenario",
    "load_scenario": "nscc_proj.inputs.scenario",
    "resolve_scenario_path": "nscc_proj.inputs.scenario",
    "Table": "nscc_proj.table",
}

__all__ = [
    "Catalog",
    "Indicator",
    "InputError",
    "NsccError",
    "Projection",
    "Scenario",
    "Table",
    "__version__",
    "load_catalog",
    "load_scenario",
    "project",
    "required_growth",
    "resolve_scenario_path",
]

if TYPE_CHECKING:
    from nscc_proj.analysis.projection import Projection, project
    from nscc_proj.analysis.requirements import required_growth
    from nscc_proj.errors import InputError, NsccError
    from nscc_proj.inputs.catalog import Catalog, Indicator
    from nscc_proj.inputs.catalog_io import load_catalog
    from nscc_proj.inputs.scenario import Scenario, load_scenario, resolve_scenario_path
    from nscc_proj.table import Table


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'nscc_proj' has no attribute {name!r}")
