"""The practice's configuration: one YAML file in, the database rows out, and back.

`loader.load_file` / `loader.load_config` check a practice file and apply it by
natural keys; `loader.load_demo` loads the demo practice in Visalia with synthetic
patients, a partly booked calendar and referrals; `exporter.export` writes the
configuration back as a file that loads to the same practice.
"""
