"""A days-late worker that never answers (tests/integration/test_days_late_worker.py):
``python -m tests.support.stuck_worker REQUEST`` sleeps far longer than the commit waits."""
import time

if __name__ == "__main__":
    time.sleep(120)
