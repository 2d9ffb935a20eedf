"""Documents (PDF case files, country summaries, the all-country pack) and dashboards."""
