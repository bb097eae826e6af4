"""Reports: projections of the event log, the queries behind the report pages, exports."""
