"""The SYNTHETIC sample data set: not real register data, no real persons (see ``sample_data/README.md``).

``sample_data.generate`` holds the seeded generator (``generate``, ``write_parquet``, ``SampleData``);
``sample_data.calibration`` holds what it is calibrated to. Nothing is re-exported here, so that
``import sample_data.generate`` always gives the module, not the function of the same name.
"""
