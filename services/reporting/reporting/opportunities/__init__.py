"""The opportunity funnel: count and amount per stage, conversion, time in stage, losses, as of X."""
