"""desk-cli, the command line: ``main`` (the commands on a database or a desk server) and ``reports``
(export-report and import, which also run through a desk server). It sits above the services, beside the
desk server: nothing in the core imports it."""
