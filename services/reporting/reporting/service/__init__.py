"""Service figures: backlog, first-response and resolution times, SLA compliance, CSAT, as of any date."""
