"""Revenue: won and ordered amounts by rep, team and period, shares, period-on-period, as of any date."""
