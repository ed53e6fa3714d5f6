"""HTTP routes. Each module here exposes `router`; `create_app` includes them all."""
