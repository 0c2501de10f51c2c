"""Running rules over units: the per-session task, the local parallel executor, and engine-emitted findings."""
