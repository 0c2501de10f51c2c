"""Running rules over units: the per-session task, the local parallel executor, and engine-emitted findings.

    plan       the rule set, the rules it schedules and the batch (picklable for workers)    `Plan`
    task       one session: file, interaction then session rules, failures contained       `run_session`
    local      sessions in a process pool, results in task order                            `run_local`
    ray        the same task on a Ray cluster (`siqa[ray]`)                                  `run_ray`
    cache      results per (rule, unit), keyed by what they depend on                       `ResultCache`
    internal   the codes the engine emits itself (SQ001-SQ003)
    lifeline   workers end with the audit, however it ends
"""
