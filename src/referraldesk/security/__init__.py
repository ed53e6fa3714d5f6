"""Secrets the application makes for itself when the deployment does not set them."""
