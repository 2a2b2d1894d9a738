"""The rules tier: parsers and rules that recognise dangerous tool calls without a model.

`engine.evaluate(call, policy)` runs every applicable rule; `engine.known_rules()` lists them.
Modules: `shell` (destruction, sabotage), `recon` (credential access, privilege-escalation
surveys), `network` (reverse shells, download-and-run, exfiltration), `cloud` (kubectl, helm,
terraform, aws/gcloud/az), `containers` (structured container specs given the host), `git`, `sql`,
`structured` (file paths in args), `web` (metadata service, secrets in requests, browser sessions), `messaging`,
`money`, with `provenance` and `context` telling trusted from untrusted values.
"""
