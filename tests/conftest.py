"""Shared fixtures: the frozen test data, tiny tables and scenario files written on the fly.

Tests that are not about the shipped data run on frozen copies of it in ``tests/data``
(see its README), so an update of the shipped data breaks no test of the code:

- ``catalog`` is the frozen table (its observed values, context series and ratios beside it);
- ``workdir``, the working folder of every CLI test, makes ``nscc`` read the frozen copies as
  its shipped data and scenarios (``nscc project -s base`` runs on ``tests/data``);
- ``frozen_scenario(name)`` loads a frozen scenario in library tests.

Tests about the shipped data itself use ``shipped_catalog`` and ``shipped_workdir``.
"""

from __future__ import annotations

# isort: off
import requirements  # noqa: F401 - first: one line, not an ImportError, where one is missing

# isort: on
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.scenario import Scenario, load_scenario


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Every core, where pytest-xdist is installed (the test extra has it): the suite runs in
    about 2 minutes on 2 cores instead of 4. Files go to workers whole (``loadfile``), so a
    module's report fixture is built once. Without xdist, or with ``-n 0`` or
    ``-p no:xdist``, the tests run serially: a plain ``pytest`` works either way."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.getoption("numprocesses", None) is None:
        config.option.numprocesses = "auto"
        config.option.dist = "loadfile"


# No wall-clock limits in tests: Hypothesis's default deadline (200 ms an example) fails
# property tests on a busy machine. Timings live in benchmarks/.
settings.register_profile("nscc", deadline=None)
settings.load_profile("nscc")

FROZEN_DATA = Path(__file__).parent / "data"
REPORT_EPOCH = 1_794_700_800  # 2026-11-15T00:00:00Z
REPORT_TIME = datetime.fromtimestamp(REPORT_EPOCH, UTC)  # the same, for library calls
FROZEN_TABLE = FROZEN_DATA / "indicators_2020.csv"
FROZEN_SCENARIOS = FROZEN_DATA / "scenarios"
# Where nscc looks for its shipped data and scenarios: the fixtures point these at the copies.
_SHIPPED_LOCATIONS = {
    "nscc_proj.inputs.catalog_io.shipped_data_dir": FROZEN_DATA,
    "nscc_proj.inputs.scenario.shipped_scenario_dir": FROZEN_SCENARIOS,
}

TINY_TABLE = """\
id,key,domain_zh,domain_en,name_zh,name_en,unit,kind,direction,base_year,base_value,target_2025,op_2025,target_2035,op_2035,tolerance,note
1,gdp,发展,Development,地区生产总值,GDP,亿元,level,up,2020,100,150,>=,300,>=,,
2,jobless,宜居,Livability,失业率,Unemployment,%,rate,down,2020,5,5.5,~,5,~,0.2,
3,rank,金融,Finance,排名,Rank,rank,rank,down,2020,22,20,<=,15,<=,,
4,rd_growth,科技,Science,研发增长,R&D growth,%,growth_rate,up,2020,8,10,>=,10,>=,,
5,share,产业,Industry,占比,Share,%,share,up,2020,10,15,>=,25,>=,,
6,parks,文化,Culture,园区,Parks,个,count,up,2020,,10,>=,30,>=,,
"""


@pytest.fixture(autouse=True)
def _stable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich renders the same everywhere: 100 columns, no colour codes."""
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _frozen_calendar() -> Iterator[None]:
    """The default as-of year follows the calendar: every test stands in late 2026, and
    ``nscc report`` dates its files 2026-11-15 (SOURCE_DATE_EPOCH), not today. Session-wide,
    so module-scoped fixtures (a report built once for several tests) stand there too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("nscc_proj.analysis.standing.current_year", lambda: 2026)
        patch.setenv("SOURCE_DATE_EPOCH", str(REPORT_EPOCH))
        yield


def use_frozen_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the frozen copies in tests/data the data and scenarios nscc ships."""
    for target, folder in _SHIPPED_LOCATIONS.items():
        # raising=True: if a refactoring moves these functions, every CLI test says so.
        monkeypatch.setattr(target, lambda folder=folder: folder, raising=True)


@contextmanager
def frozen_data() -> Iterator[None]:
    """``use_frozen_data`` for fixtures wider than one test."""
    with pytest.MonkeyPatch.context() as patch:
        use_frozen_data(patch)
        yield


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder on the frozen data: relative paths and scenarios/NAME.yaml
    resolve here, the shipped table and scenarios are the copies in tests/data."""
    use_frozen_data(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shipped_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder on the data nscc really ships: for smoke tests that assert
    shape and consistency, never values."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The frozen table, with observed.csv, context.csv and ratios.csv beside it."""
    return load_catalog(FROZEN_TABLE)


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    """The table nscc ships: for tests about the shipped data itself."""
    return load_catalog()


def frozen_scenario(name: str) -> Scenario:
    """A scenario from tests/data/scenarios (``extends: base`` finds the frozen base)."""
    return load_scenario(FROZEN_SCENARIOS / f"{name}.yaml")


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented text to a file under tmp_path and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def tiny_table(write_file: Callable[[str, str], Path]) -> Path:
    return write_file("tiny.csv", TINY_TABLE)


@pytest.fixture
def tiny_catalog(tiny_table: Path) -> Catalog:
    return load_catalog(tiny_table)
