"""Speed and memory figures for Mechanic Desktop on a shop-sized database (``make bench``).

Figures are printed next to their targets and written to ``benchmarks/results.json``;
nothing here asserts, since timings depend on the machine.
"""
