"""`tipline demo`: a local server fed with benign synthetic reports (`runner.run_demo`).

`stream` builds the reports (reusable by tests and benchmarks), `send` submits them over HTTP,
`server` runs the server process, `display` prints.
"""
