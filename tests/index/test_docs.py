"""The examples in docs/index.md run as written."""
import re
import tomllib
from pathlib import Path

from frenchtech.index import build, pipeline, uncertainty

DOC = Path(__file__).resolve().parents[2] / "docs" / "index.md"


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_documented_spec_builds_asem(asem):
    spec = tomllib.loads(blocks("toml")[0])
    assert list(spec) == ["denominate", "impute", "screen", "treat", "normalise", "aggregate"]
    assert round(build(*asem, spec).aggregated.set_index("uCode").loc["CHE", "Index"], 2) == 68.38


def test_documented_uncertain_inputs_run(asem, asem_spec):
    inputs = tomllib.loads(blocks("toml")[1])["uncertainty"]["inputs"]
    asem_spec["normalise"]["f_n_para"] = [1, 100]
    asem_spec["aggregate"].update(f_ag="a_genmean", f_ag_para={"p": 1})
    res = uncertainty(*asem, asem_spec, inputs, n=20, seed=0)
    assert res.failed == 0 and len(res.rank_stats) == 51


def test_documented_parameter_names_exist():
    names = pipeline({"denominate": {}, "impute": {}, "screen": {}, "treat": {}, "normalise": {},
                      "aggregate": {}}).get_params()
    for p in ("normalise__f_n", "treat__winmax", "aggregate__f_ag_para", "screen__dat_thresh",
              "impute__use_group"):
        assert p in names and f"`{p.split('__')[1]}" in DOC.read_text(encoding="utf-8")
