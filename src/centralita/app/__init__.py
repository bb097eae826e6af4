"""The running center: the pure routing core wired to the store, the clock and adapters."""
