"""Targets and forecasts: quota attainment with a period-end projection; weighted forecast per category."""
