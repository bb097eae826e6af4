"""Call recording: the policy that decides what is recorded (`policy`), where files live
(`storage`), how legs become one file (`timeline`, `audio`) and what is kept (`retention`).

Pure where it can be: `policy` and `timeline` do no I/O and never read the clock. The
live side (the engine's recorders, the conversion worker) is `centralita.app.recording`.
Guide: docs/recording.md.
"""
