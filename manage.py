#!/usr/bin/env python
"""Django's command-line utility; `distretto` is the same thing once installed."""

from distretto.__main__ import main

if __name__ == "__main__":
    main()
