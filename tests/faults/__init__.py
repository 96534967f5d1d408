"""``make test-faults``: Đôn đốc's real processes through a burst of tasks and a fault."""
