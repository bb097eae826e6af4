#!/usr/bin/env python3
"""Compile the routing core with mypyc into its cache (`build`), or say whether a build
for the current sources exists and is in use (`status`). See centralita/core/native.py."""

import sys

from centralita.core.native import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
