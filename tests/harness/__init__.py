"""Shared by the tests and the benchmarks: starting the app (or nginx) on loopback, waiting for
its health, stopping it, and the Chromium the browser checks drive."""
