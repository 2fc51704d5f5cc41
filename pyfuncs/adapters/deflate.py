"""The deflate codec of the workbook's zip members: zlib-ng, else the standard zlib.

python-zlib-ng (PSF licence) is CPython's own zlib module built over the zlib-ng library:
the same API and the same deflate format, about twice as fast both ways. On the 298 MB
invoices' sheet of the 100,000-invoice demo: inflate 0.19 s instead of 0.43, deflate at
level 3 0.34 s instead of 0.74, 2 % larger. The reader inflates every sheet to find its
error cells, and the writer deflates every sheet it rewrites, so this is the one place
that says which codec they use. Both release the GIL while they work. Its ``error`` is a
class of its own: catch this module's, never the standard one's.
"""
from __future__ import annotations

from typing import cast

try:
    from zlib_ng import zlib_ng as zlib
except ImportError:  # an install without the wheel: the standard module, slower
    import zlib  # type: ignore[no-redef]

# the codec's error class (zlib-ng's type stubs declare it as an instance)
ZlibError = cast("type[Exception]", zlib.error)

__all__ = ["ZlibError", "zlib"]
