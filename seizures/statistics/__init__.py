"""Statistics of validated cases: pre-aggregated summary tables and their upkeep."""
