"""Reading an audit's outputs back (`siqa.outputs` writes them): per-site tables, the dashboard, the gate, and
what the commands print.

    summary       the run summary table on the terminal                                     `render_summary`
    patch_summary what `siqa apply` and `siqa revert` print
    site_tables   per-site and per-batch tables: counts, rates, scores, measured quantities
    dashboard     the static HTML dashboard, a page per flagged interaction
    gate          `siqa gate`: this release's audit against the previous one's, under a policy
    rule_docs     a rule's doc page from its docstring, settings and a rule set's values
    progress      the progress bar on stderr
    terminal      dataset text made safe for the terminal
"""
