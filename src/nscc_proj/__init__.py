"""Scenario projections for the targets of a city's indicator table.

The public API mirrors the CLI: load a catalog and scenarios, project them,
and read the results as tidy records (or pandas DataFrames).

>>> from nscc_proj import load_catalog, load_scenario, project
>>> catalog = load_catalog()
>>> result = project(catalog, [load_scenario("base")])
"""

from nscc_proj.catalog import Catalog, Indicator, load_catalog
from nscc_proj.errors import InputError, NsccError
from nscc_proj.projection import Projection, project, required_growth
from nscc_proj.scenario import Scenario, load_scenario, resolve_scenario_path

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Indicator",
    "InputError",
    "NsccError",
    "Projection",
    "Scenario",
    "__version__",
    "load_catalog",
    "load_scenario",
    "project",
    "required_growth",
    "resolve_scenario_path",
]
