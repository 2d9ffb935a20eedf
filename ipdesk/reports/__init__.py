"""Documents (PDF case files, country summaries, the all-country pack), statistics, charts and dashboards."""
