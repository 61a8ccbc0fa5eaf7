"""The orchestrator: one perform = quota + note + temporary clone + speech + memo."""
