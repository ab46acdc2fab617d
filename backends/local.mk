# Device backends: one folder per device type, no Xen in any of them.
BACKEND_SOURCES =

# Built with the sanitizers for the tests; the daemon links a plain copy.
