"""The JupyterLab setting golab ships: no "get notified about Jupyter news?" popup.

What it checks: the overrides file turns news and update checks off for the
notification plugin, and pyproject installs it where jupyterlab_server looks
for packaged overrides ({sys.prefix}/share/jupyter/lab/settings/overrides.d,
read by ``jupyterlab_server.settings_utils._get_overrides``) for a wheel
install, and ``python -m golab setup`` writes it there for an editable one;
the browser test checks the popup stays away in a real JupyterLab.
"""

from __future__ import annotations

import json
import tomllib

from jupyterlab_server.settings_utils import _get_overrides

from conftest import ROOT

SHIPPED = ROOT / "golab" / "jupyterlab" / "golab.json"


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
    assert data_files["share/jupyter/lab/settings/overrides.d"] == ["golab/jupyterlab/golab.json"]


def test_setup_writes_the_overrides_where_jupyterlab_reads_them(tmp_path):
    """`python -m golab setup` is the README install line's second step: an
    editable install (pip install -e) does not install data-files."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "golab", "setup", "--no-toolchains", "--prefix", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    app_settings = tmp_path / "share" / "jupyter" / "lab" / "settings"
    assert (app_settings / "overrides.d" / "golab.json").read_text() == SHIPPED.read_text()
    overrides, error = _get_overrides(str(app_settings))
    assert not error and overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
