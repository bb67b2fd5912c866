"""The test kit: shared staff and world factories, the shared test passwords, and database templates.

Test modules import helpers from here, never from a conftest file or from another test module.
"""
