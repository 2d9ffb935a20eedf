"""Statistics, charts and dashboards: the numbers behind the managers' overview and the country summaries."""
