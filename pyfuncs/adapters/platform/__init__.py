"""The company's approved e-invoicing platform (plateforme agréée, PA), behind one small
interface (``base.Platform``): XP Z12-013 is the first implementation (``xpz12013``); a
platform with an API of its own gets a module beside it. ``ledger`` is the durable record
of what was handed to the platform (exactly once through reruns and crashes)."""
