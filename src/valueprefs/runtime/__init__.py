"""What every job runs on, beside the science: the call cache, claims on calls in flight, job
logs and locks, and the code digest that decides what reruns."""
