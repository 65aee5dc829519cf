"""Risk indicators: named search filters whose validated cases an analyst follows.

- filters.py: an indicator's query, normalised and validated through the search form
- selectors.py: who sees and who changes which indicator
- services.py: create, update, delete, turn into a watch list, audit the exports
- profile.py: the numbers of an indicator's profile
- sheet.py: the profile as a one-page Excel sheet
"""
