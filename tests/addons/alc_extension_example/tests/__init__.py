from . import test_extension_hooks
