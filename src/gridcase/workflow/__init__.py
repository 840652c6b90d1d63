"""The handling path as data: the rule-file model, its checks, the compiled state machine
and the pure decision (case state + command + time → steps, or a typed refusal)."""
