"""The lead funnel: captured → contacted → qualified → converted, by source and campaign, as of any date."""
