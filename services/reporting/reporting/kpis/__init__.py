"""The rep KPI table: leads handled, speed to first contact, deals, win rate, revenue, per rep."""
