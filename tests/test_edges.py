"""The input edge under attack: files that are not files, files too large, hostile YAML and text.

FIFOs go through a subprocess with a timeout, so a regression fails instead
of hanging the suite; the refusal itself happens before anything is opened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_helpers import assert_input_error, run
from conftest import FROZEN_SCENARIOS
from nscc_proj.analysis import probability
from nscc_proj.analysis.expectations import (
    MAX_EXPECTATIONS_BYTES,
    FeasibilityMap,
    expectations_text,
    read_expectations,
)
from nscc_proj.analysis.simulation import simulate
from nscc_proj.errors import InputError
from nscc_proj.inputs.csv_source import MAX_TABLE_BYTES, read_csv, read_input_bytes
from nscc_proj.inputs.scenario import scenario_from_dict
from nscc_proj.inputs.yaml_source import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES, read_yaml

WriteFile = Callable[[str, str], Path]

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")


def _one_line_error(stderr: str, *fragments: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --- not a regular file: FIFOs, devices, folders ------------------------------------------------


@needs_fifo
@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("indicators", "--data", "{fifo}"), "indicator table"),
        (("project", "-s", "base", "--observed", "{fifo}"), "observed-values file"),
        (("check", "--expect", "{fifo}"), "file"),
    ],
)
def test_a_fifo_is_refused_without_blocking(
    tmp_path: Path, args: tuple[str, ...], what: str
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    command = [sys.executable, "-m", "nscc_proj", *(a.format(fifo=fifo) for a in args)]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    _one_line_error(result.stderr, f"{fifo}: cannot read the {what}: it is a named pipe (FIFO)")


@needs_fifo
def test_readers_refuse_a_fifo_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe: cannot read the table: it is a named pipe"):
        read_csv(fifo, str(fifo), "table")
    with pytest.raises(InputError, match=r"pipe: cannot read the file: it is a named pipe"):
        read_yaml(fifo)


@needs_dev_zero
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("indicators", "--data", "/dev/zero"), "/dev/zero: cannot read the indicator table"),
        (("project", "-s", "base", "--observed", "/dev/zero"), "observed-values file"),
        (("check", "--expect", "/dev/zero"), "/dev/zero: cannot read the file"),
    ],
)
def test_a_device_is_refused(workdir: Path, args: tuple[str, ...], fragment: str) -> None:
    assert_input_error(run(*args), fragment, "it is a device")


def test_a_folder_is_refused(workdir: Path) -> None:
    (workdir / "sub.yaml").mkdir()
    assert_input_error(run("check", "--expect", "sub.yaml"), "sub.yaml: cannot read the file")
    assert_input_error(run("indicators", "--data", "."), ".: cannot read the indicator table")


# --- size limits --------------------------------------------------------------------------------


def _sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no room on disk (it is never read)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def test_limits_are_as_documented() -> None:
    assert MAX_TABLE_BYTES == 16 * 1024**2
    assert MAX_YAML_BYTES == 1024**2
    assert MAX_EXPECTATIONS_BYTES == 16 * 1024**2
    assert MAX_YAML_NODES == 100_000


def test_an_oversized_table_is_refused(workdir: Path) -> None:
    _sparse(workdir / "big.csv", MAX_TABLE_BYTES + 1)
    assert_input_error(
        run("indicators", "--data", "big.csv"),
        "big.csv: the indicator table is larger than the 16 MiB limit for input tables",
    )


def test_an_oversized_observed_file_is_refused(workdir: Path) -> None:
    _sparse(workdir / "obs.csv", MAX_TABLE_BYTES + 1)
    assert_input_error(
        run("project", "-s", "base", "--observed", "obs.csv"),
        "obs.csv: the observed-values file is larger than the 16 MiB limit",
    )


def test_an_oversized_scenario_is_refused(workdir: Path) -> None:
    _sparse(workdir / "big.yaml", MAX_YAML_BYTES + 1)
    assert_input_error(
        run("project", "-s", "big.yaml"),
        "big.yaml: the file is larger than the 1 MiB limit for a scenario file",
    )


def test_an_oversized_expectations_file_is_refused(workdir: Path) -> None:
    _sparse(workdir / "e.yaml", MAX_EXPECTATIONS_BYTES + 1)
    assert_input_error(
        run("check", "--expect", "e.yaml"),
        "e.yaml: the file is larger than the 16 MiB limit for an expectations file",
    )


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert read_csv(path, "t.csv", "table", limit=8) == (["a", "b"], [(2, {"a": "1", "b": "2"})])
    with pytest.raises(InputError, match=r"^t\.csv: the table is larger than the 7 bytes limit"):
        read_csv(path, "t.csv", "table", limit=7)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc")
def test_the_read_is_bounded_when_the_size_is_not_known() -> None:
    # /proc files are regular files whose size reads as 0 (like a file that grows while it
    # is read): only the bounded read can stop them.
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(InputError, match="larger than the 10 bytes limit for tests"):
        read_input_bytes("/proc/self/status", limit=10, source="status", what="file", kind="tests")


# --- hostile YAML -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "name: x\nrate: &r 0.05\ngrowth:\n  <<: *r\n",
            ("s.yaml:4: growth: a merge key '<<' takes a mapping or a list of mappings",),
        ),
        (
            "name: x\nrate: &r 0.05\ngrowth:\n  <<: [*r]\n",
            ("s.yaml:4: growth: a merge key '<<' takes a mapping",),
        ),
        ("name: x\ngrowth:\n  <<: []\n", ("s.yaml:3: growth: a merge key",)),
        (
            "name: x\ngrowth: !!python/object {gdp: 0.05}\n",
            ("s.yaml:2: growth: the YAML tag !!python/object is not supported",),
        ),
        (
            "name: x\ngrowth: !!python/object:os.system {gdp: 0.05}\n",
            ("s.yaml:2: growth: the YAML tag !!python/object:os.system is not supported",),
        ),
        (
            "name: x\ngrowth: !!set {gdp}\n",
            ("s.yaml:2: growth: the YAML tag !!set is not supported",),
        ),
        ("name: !!binary eA==\n", ("s.yaml:1: name: the YAML tag !!binary is not supported",)),
        ("name: x\ngrowth: !mine [1]\n", ("s.yaml:2: growth: the YAML tag !mine",)),
    ],
)
def test_hostile_yaml_in_a_scenario(
    workdir: Path, write_file: WriteFile, text: str, fragments: tuple[str, ...]
) -> None:
    write_file("s.yaml", text)
    assert_input_error(run("project", "-s", "s.yaml"), *fragments)


def _laughs(levels: int = 9, fan_out: int = 10) -> str:
    """The "billion laughs": ten aliases of ten aliases of ... 10**levels values."""
    lines = ["name: x", "a0: &a0 [" + ", ".join(["lol"] * fan_out) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * fan_out) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused(workdir: Path, write_file: WriteFile) -> None:
    write_file("s.yaml", _laughs())
    assert_input_error(
        run("project", "-s", "s.yaml"),
        "s.yaml: the document has more than 100,000 values once its aliases are expanded",
    )
    write_file("e.yaml", _laughs().replace("name: x\n", ""))
    assert_input_error(run("check", "--expect", "e.yaml"), "more than 1,000,000 values")


def test_cycles_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    cyclic = tmp_path / "c.yaml"
    cyclic.write_text("a: &a\n  b: *a\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.yaml:2: a\.b: an alias refers to a value"):
        read_yaml(cyclic)
    deep = tmp_path / "d.yaml"
    deep.write_text("[" * 500 + "]" * 500, encoding="utf-8")
    with pytest.raises(InputError, match=f"nested more than {MAX_YAML_DEPTH} levels"):
        read_yaml(deep)


def test_merge_keys_follow_yaml(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "a: &a {x: 1, y: 1}\nc: &c {y: 2, z: 2}\nb:\n  <<: [*a, *c]\n  x: 3\nd:\n  <<: *c\n",
        encoding="utf-8",
    )
    document = read_yaml(path)
    # Keys written beside `<<` win; of several merged mappings, the earlier one wins.
    assert document.data["b"] == {"x": 3, "y": 1, "z": 2}
    assert document.data["d"] == {"y": 2, "z": 2}
    assert document.line_of(("b", "x")) == 5
    assert document.line_of(("b", "y")) == 1  # where the winning value is written
    assert document.line_of(("b", "z")) == 2


def test_a_valid_merge_in_a_scenario_still_works(workdir: Path, write_file: WriteFile) -> None:
    write_file("s.yaml", "name: x\ngrowth:\n  <<: {gdp: 0.05}\n")
    assert run("project", "-s", "s.yaml").exit_code == 0


def test_explicit_standard_tags_and_booleans_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("a: !!str 12\nb: true\nc: !!int '3'\nd: 2021-01-01\ne: <<\n", encoding="utf-8")
    data = read_yaml(path).data
    assert data == {"a": "12", "b": True, "c": 3, "d": "2021-01-01", "e": "<<"}
    assert type(data["b"]) is bool  # a boolean stays one: the model decides if it fits


def test_a_boolean_is_not_a_number_of_years(workdir: Path, write_file: WriteFile) -> None:
    write_file(
        "s.yaml",
        "name: x\nshocks:\n  - {year: 2023, change: {gdp: '-3%'}, recover_years: true}\n",
    )
    assert_input_error(run("project", "-s", "s.yaml"), "recover_years")


# --- the exact joint probability is deterministic -----------------------------------------------


def _hub_setup(catalog):
    keys = ["airport_passengers", "intl_air_routes", "china_europe_trains", "freight_volume"]
    scenario = scenario_from_dict(
        {
            "name": "hub",
            "growth": dict.fromkeys(keys, 0.08),
            "uncertainty": {
                "sigma": dict.fromkeys(keys, 0.04),
                "groups": [{"members": keys[:3], "rho": 0.5}],
            },
        }
    )
    return simulate(catalog, [scenario], None, paths=1000, seed=3).setup


def test_the_mvn_cdf_gives_identical_results_twice(catalog):
    setup = _hub_setup(catalog)
    first = probability.joint(setup, seed=7)
    assert first.tobytes() == probability.joint(setup, seed=7).tobytes()
    assert probability.joint(setup).tobytes() == probability.joint(setup).tobytes()
    # The hub domain has several shocked members: its cells come from the randomised CDF.
    domain = list(dict.fromkeys(ind.domain_en for ind in catalog.indicators)).index(
        "Integrated hub capacity"
    )
    assert all(0 < first[0, domain, m] < 1 for m in range(first.shape[2]))


def test_each_cdf_cell_has_its_own_stream() -> None:
    draws = {
        probability.cdf_rng(7, *cell).random()
        for cell in [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)]
    }
    assert len(draws) == 4
    assert probability.cdf_rng(7, 0, 1, 2).random() == probability.cdf_rng(7, 0, 1, 2).random()
    # Never the simulation's block streams of the same seed.
    block = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(0,))).random()
    assert probability.cdf_rng(7, 0, 0, 0).random() != block


def test_simulate_twice_gives_the_same_bytes(workdir: Path) -> None:
    args = ("simulate", "-s", "high", "--seed", "7", "--paths", "2000", "-f", "csv")
    first, second = run(*args), run(*args)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout


# --- expectations: written with an emitter, read back the same ----------------------------------

_HOSTILE = st.text(
    alphabet=st.sampled_from(list("\n\r\"'#:{}[]&*!|>%@`\\ \t-?,\x00\x85\u2028\u2029\ufeff"))
    | st.characters(),
)
_TEXT = st.text() | _HOSTILE
_FEASIBILITY = st.sampled_from(["met", "missed", "not_assessable"])
_MAPS = st.dictionaries(
    _TEXT,
    st.dictionaries(
        _TEXT | st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
        st.dictionaries(st.integers(0, 9999), _FEASIBILITY, max_size=3),
        max_size=4,
    ),
    max_size=3,
)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    feasible=_MAPS,
    table=_TEXT,
    observed=_TEXT,
    references=st.dictionaries(_TEXT, _TEXT, max_size=3),
    comment=_TEXT,
)
def test_expectations_round_trip_hostile_text(
    tmp_path: Path,
    feasible: FeasibilityMap,
    table: str,
    observed: str,
    references: dict[str, str],
    comment: str,
) -> None:
    names = {key: f"{key} / {comment}" for by_key in feasible.values() for key in by_key}
    text = expectations_text(
        feasible, table=table, observed=observed, references=references, names=names
    )
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8")
    read = read_expectations(path)
    assert read.scenarios == feasible
    assert (read.table, read.observed) == (table, observed)
    assert read.sources == {name: ref for name, ref in references.items() if ref != name}


def test_long_names_use_explicit_keys(tmp_path: Path) -> None:
    long = "s" * 3000
    feasible: FeasibilityMap = {long: {"gdp": {2025: "met"}, "\U0001f600" * 200: {}}}
    text = expectations_text(feasible, table="t", observed=None, names={"gdp": "GDP"})
    assert f'  ? "{long}"\n  :\n    gdp:' in text
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_expectations(path).scenarios == feasible


def test_check_with_hostile_names_round_trips(workdir: Path, write_file: WriteFile) -> None:
    # A name that ends a comment and starts a key, and a scenario name full of YAML syntax.
    hostile_name = 'GDP\n    injected: {2025: met}\r# "quoted": [x]\u2028more'
    write_file(
        "t.csv",
        "id,key,domain_zh,domain_en,name_zh,name_en,unit,kind,direction,base_year,base_value,"
        "target_2025,op_2025,tolerance,note\n"
        '1,gdp,发展,Development,地区生产总值,"' + hostile_name.replace('"', '""') + '",亿元,'
        "level,up,2020,100,150,>=,,\n"
        '2,yes,宜居,Livability,失业率,"a: b #c",%,rate,down,2020,5,5.5,~,0.2,\n',
    )
    write_file("s.yaml", "name: 'x\"#:[/y]&*!'\ngrowth:\n  gdp: 0.05\n")
    written = run("check", "--data", "t.csv", "-s", "s.yaml", "--write-expect", "e.yaml")
    assert written.exit_code == 0, written.stderr
    text = (workdir / "e.yaml").read_text(encoding="utf-8")
    # The name stays inside its comment, on one line.
    (line,) = [line for line in text.splitlines() if "injected" in line]
    assert line.startswith("    gdp: ")
    assert line.endswith('# 1 地区生产总值 / GDP     injected: {2025: met} # "quoted": [x] more')
    assert '    "yes":     # 2 失业率 / a: b #c\n' in text
    checked = run("check", "--data", "t.csv", "--expect", "e.yaml")
    assert checked.exit_code == 0, (checked.stdout, checked.stderr)
    assert checked.stdout == "OK: all 2 targets match e.yaml\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    "args", [("project", "-f", "csv"), ("indicators", "-f", "csv"), ("project",)]
)
def test_a_full_disk_is_an_error_not_a_bug(args: tuple[str, ...], tmp_path: Path) -> None:
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "nscc_proj", *args],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["Error: cannot write: No space left on device"]


def test_a_closed_pipe_ends_quietly() -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "nscc_proj", "project", "-s", "base", "-s", "high", "-f", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, error = process.communicate(timeout=120)
    assert process.returncode == 0
    assert error == b""


# --- reruns: every command, run twice, gives the same bytes ----------------------------------

_RERUNS = {
    "project table": ("project", "-s", "base", "-s", "high"),
    "project csv": ("project", "-s", "base", "-s", "low", "-f", "csv"),
    "project json": ("project", "-s", "shock", "-f", "json"),
    "project paths": ("project", "-s", "base", "--paths", "-f", "csv"),
    "required": ("required", "-s", "base", "-f", "csv"),
    "indicators": ("indicators",),
    "consistency": ("consistency", "-f", "csv"),
    "solve": ("solve", "-s", "base", "--target", "gdp:2035", "--vary", "gdp:2026-2035"),
    "validate": ("validate", str(FROZEN_SCENARIOS / "high.yaml")),
    "simulate": ("simulate", "-s", "base", "-s", "low", "--seed", "3", "--paths", "1500"),
    "simulate bands": ("simulate", "-s", "base", "--paths", "1200", "--bands", "-f", "csv"),
    "sensitivity": (
        "sensitivity",
        "--target",
        "gdp:2035",
        "--paths",
        "200",
        "--sobol",
        "64",
        "--seed",
        "5",
    ),
    "calibrate": ("calibrate", "-s", "base"),
    "calibrate check": ("calibrate", "-s", "base", "--check"),
}


@pytest.mark.parametrize("args", list(_RERUNS.values()), ids=list(_RERUNS))
def test_every_command_gives_the_same_bytes_twice(workdir: Path, args: tuple[str, ...]) -> None:
    first, second = run(*args), run(*args)
    assert first.exit_code == 0, first.stderr
    assert first.stdout != ""
    assert (first.stdout, first.stderr) == (second.stdout, second.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("data", "template", "-o", "{out}.xlsx"),
        ("data", "template", "-o", "{out}.xlsx", "--lang", "zh"),
        ("check", "-s", "base", "--write-expect", "{out}.yaml"),
        ("required", "-s", "base", "--write-scenario", "{out}.yaml"),
    ],
    ids=["template", "template zh", "write-expect", "write-scenario"],
)
def test_every_written_file_is_the_same_twice(
    workdir: Path, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A workbook carries its run's date: the reproducible-builds convention fixes it.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    written = []
    for out in ("first", "second"):
        result = run(*(arg.format(out=out) for arg in args))
        assert result.exit_code == 0, result.stderr
        path = next(workdir.glob(f"{out}.*"))
        written.append(path.read_bytes())
    assert written[0] == written[1]
