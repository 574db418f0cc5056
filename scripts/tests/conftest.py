import os
import sys

# Make `nsbench` and the scripts importable from the tests.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
