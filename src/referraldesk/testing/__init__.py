"""Test doubles other test folders share: real local servers standing in for outside systems."""
