"""Loopback emulators of the external services the product talks to.

They ship with the product (not only with the tests) because local development, benchmarks
and the test suite all need a vendor that behaves like the real one, fails on demand and never
costs money. Each emulator speaks the vendor's HTTP contract, so the official SDKs are pointed
at it with `base_url=` and the code under test runs unchanged.
"""
