"""The job seeker's records: what a flow collects turned into stored facts, the pipeline view of
every application, and the offers' arithmetic."""
