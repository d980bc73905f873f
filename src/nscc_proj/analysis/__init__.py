"""The library: projections, readings from today, requirements, uncertainty, calibration."""
