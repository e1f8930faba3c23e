"""Runnable benchmark scripts and the brute-force availability oracle they share with tests."""
