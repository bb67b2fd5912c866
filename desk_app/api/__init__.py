"""The use-case API: the one typed interface the GUI and the command line call, in-process on this PC or
over HTTPS through ``desk-server``. ``registry`` lists the exposed service calls, ``wire`` encodes their
arguments, results and errors from their type hints, ``backend`` is the interface the callers use."""
