"""Campaign ROI: what each marketing campaign cost against the leads and won deals it brought."""
