"""The organisation department's use of results: a cadre's file, the lists it acts on, calibration."""
