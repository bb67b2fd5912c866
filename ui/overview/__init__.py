"""The Overview page: status tiles and the most urgent open cases."""
