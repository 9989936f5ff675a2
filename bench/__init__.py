"""`make bench`: Pingyi's benchmarks at province scale (not part of `make test`)."""
