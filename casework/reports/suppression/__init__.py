"""Small-count protection of the yearly statistics tables (a pure library: no Flask, no database).

Every count between 1 and k−1 is hidden (and, where a woman counts in several rows, every count
whose complement base − count is), further cells are hidden so that nothing hidden can be worked
out from what is published, and a linear-programming audit proves it: for each hidden value, the
smallest and largest value consistent with everything published are at least k−1 apart. A table
that cannot be protected is withheld. Hidden values all show the same neutral mark, "c".

Modules: `tables` (the data model), `primary` (the threshold rules), `complementary` (choosing
further cells to hide), `audit` (the feasibility-interval audit with SciPy's HiGHS) and `protect`
(the entry point: `protect`, `protect_group`, `protect_problem`). See docs/suppression.md.
"""
