"""Benchmarks: ``make bench`` prints figures; nothing here asserts on time."""
