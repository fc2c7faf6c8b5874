"""Manipulations that make test and training material (never a user command)."""
