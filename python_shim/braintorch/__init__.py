"""braintorch: Python access to the C++/LibTorch spiking-network operators.

Importing the package loads ``libbraintorch.so`` (see ``braintorch._library`` for the search order)
and registers the fake (meta) implementations used by torch.compile / torch.export.
"""

from . import _library

_library.load()

from . import ops  # noqa: E402  (the library must be loaded before the fakes are registered)
from .ops import event_csr_matvec  # noqa: E402
from . import connect  # noqa: E402  (connectivity builders, conversions, STDP)
from . import jitconn  # noqa: E402,F401  (JIT connectivity ops, fakes and layers)
from . import sparse_ops  # noqa: E402  (csr_matvec, event_dense_matvec, fcn ops and their layers)

__all__ = ["ops", "event_csr_matvec", "connect", "jitconn", "sparse_ops"]
