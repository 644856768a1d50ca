"""The development stack: MiniStack, the simulated providers, demo users. Never imported by production code."""
