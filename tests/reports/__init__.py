"""Tests of statistics, charts and dashboards."""
