#!/usr/bin/env python
from pingyi.cli import main

if __name__ == "__main__":
    main()
