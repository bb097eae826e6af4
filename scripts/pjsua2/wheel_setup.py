"""setup.py for Centralita's pjsua2 wheel (copied into a staging dir by build.sh).

The staging dir holds the SWIG output (`pjsua2_wrap.cpp`, `pjsua2.py`) and
`build_flags.json`: compiler and linker flags that pjproject's own
`pjsip-apps/src/swig/python/helper.mak` printed for the static libraries built with
our `config_site.h`. This replaces upstream's distutils-based setup.py (distutils is
gone in Python 3.12) without patching the pjproject source.
"""

import json
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
FLAGS = json.loads((HERE / "build_flags.json").read_text())

setup(
    name="pjsua2",
    version=FLAGS["version"],
    description="PJSIP pjsua2 Python binding, built by Centralita with contact-center limits",
    url="https://www.pjsip.org",
    license="GPL-2.0-or-later",
    py_modules=["pjsua2"],
    ext_modules=[
        Extension(
            "_pjsua2",
            ["pjsua2_wrap.cpp"],
            libraries=FLAGS["libraries"],
            # -g0: no debug info (halves the compile of the 5 MB SWIG wrapper).
            extra_compile_args=[*FLAGS["cflags"], "-g0"],
            extra_link_args=FLAGS["ldflags"],
        )
    ],
)
