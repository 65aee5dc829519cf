"""The automatic upload API (Django REST framework), mounted under /api/v1/.

Every call authenticates with an API key (``Authorization: Api-Key …``), acts
for the key's administration with an officer's rights, is audited and
rate-limited. The session never opens it. See docs/api.md.
"""
