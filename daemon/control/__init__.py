"""The control API on the Unix socket: the ASGI app (`app`), its route groups (`status`, `jobs`,
`logs`) and the client the CLI and console use (`client`).

Kept empty so the console can import `daemon.control.client` without loading the server side.
"""
