"""The JupyterLab setting golab ships: no "get notified about Jupyter news?" popup.

What it checks: the overrides file turns news and update checks off for the
notification plugin, and pyproject installs it where jupyterlab_server looks
for packaged overrides ({sys.prefix}/share/jupyter/lab/settings/overrides.d,
read by ``jupyterlab_server.settings_utils._get_overrides``); the browser
test checks the popup stays away in a real JupyterLab.
"""

from __future__ import annotations

import json
import tomllib

from jupyterlab_server.settings_utils import _get_overrides

from conftest import ROOT

SHIPPED = ROOT / "jupyter" / "overrides.d" / "golab.json"


def test_overrides_turn_news_off(tmp_path):
    settings = json.loads(SHIPPED.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    # laid out as installed, jupyterlab_server reads it
    (tmp_path / "overrides.d").mkdir()
    (tmp_path / "overrides.d" / "golab.json").write_text(SHIPPED.read_text())
    overrides, error = _get_overrides(str(tmp_path))
    assert not error and overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_pyproject_installs_the_overrides_where_jupyterlab_reads_them():
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    assert data_files["share/jupyter/lab/settings/overrides.d"] == ["jupyter/overrides.d/golab.json"]
