"""Shared fixtures: the shipped catalog, tiny tables and scenario files written on the fly."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from nscc_proj.catalog import Catalog
from nscc_proj.catalog_io import load_catalog

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


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder: relative paths and scenarios/NAME.yaml resolve here."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


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
