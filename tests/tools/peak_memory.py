#!/usr/bin/env python3
"""Runs a command (its output discarded) and prints its exit status and its
peak resident memory in kB: `peak_memory.py COMMAND ARG...`."""
import resource
import subprocess
import sys

result = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
print(result.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
